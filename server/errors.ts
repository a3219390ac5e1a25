export const APP_ERROR_CODES = [
  'BAD_REQUEST',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'PRECONDITION_FAILED',
  'PAYLOAD_TOO_LARGE',
  'UNPROCESSABLE_CONTENT',
  'TOO_MANY_REQUESTS',
  'SERVICE_UNAVAILABLE',
] as const;
export type AppErrorCode = (typeof APP_ERROR_CODES)[number];

const BRAND = Symbol.for('archon.AppError');

/**
 * The only error services throw on purpose. Transports (tRPC, MCP, HTTP routes)
 * translate it; services never know which one is calling.
 */
export class AppError extends Error {
  override name = 'AppError';
  readonly [BRAND] = true;
  constructor(
    readonly code: AppErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

// Checked by brand, not instanceof: Next bundles its own copy of this module.
export function isAppError(err: unknown): err is AppError {
  return typeof err === 'object' && err !== null && (err as Record<symbol, unknown>)[BRAND] === true;
}

export const notFound = (what: string, id: string | number) => new AppError('NOT_FOUND', `${what} '${id}' does not exist`);
export const badRequest = (message: string, details?: Record<string, unknown>) => new AppError('BAD_REQUEST', message, details);
export const conflict = (message: string, details?: Record<string, unknown>) => new AppError('CONFLICT', message, details);

type PgError = { code?: string; detail?: string; constraint?: string; constraint_name?: string; message?: string };

function pgErrorOf(err: unknown): PgError | null {
  for (let e: unknown = err, depth = 0; e && depth < 4; depth++) {
    const code = (e as PgError).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return e as PgError;
    e = (e as { cause?: unknown }).cause;
  }
  return null;
}

/** Turns database constraint errors that reach a transport into the AppError they mean. */
export function fromDatabaseError(err: unknown): AppError | null {
  const pg = pgErrorOf(err);
  if (!pg) return null;
  switch (pg.code) {
    case '23505':
      return conflict(`That already exists${pg.detail ? `: ${pg.detail}` : ''}`);
    case '23503':
      return badRequest(`A referenced record does not exist${pg.detail ? `: ${pg.detail}` : ''}`);
    case '23502':
    case '23514':
    case '22P02':
    case '22001':
    case '22003':
    case '22023':
      return badRequest(`Invalid value: ${pg.message ?? pg.code}`);
    // Bytes PostgreSQL cannot store as text (a NUL, invalid UTF-8) come from the input.
    case '22021':
      return badRequest(`Invalid text: ${pg.message ?? pg.code}`);
    // A value past one of PostgreSQL's size limits, such as text too long for its search index (tsvector).
    case '54000':
      return badRequest(`Value too large: ${pg.message ?? pg.code}`);
    case '40001':
    case '40P01':
      return conflict('The change collided with a concurrent change; try again');
    default:
      return null;
  }
}
