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

/** The longest reason a job records for a failed step. */
const MAX_REASON = 2000;

/**
 * What a job records (its error, a log line, a URL's or file's reason) of an
 * error that ended a step. Drizzle's "Failed query: <SQL> params: <values>"
 * would put a whole batch's statement and page text there, for every reader
 * of the job; the database's own message says what went wrong, and the server
 * log keeps the rest. NULs go too: PostgreSQL cannot store the reason with one.
 */
export function failureReason(err: unknown): string {
  const message =
    err instanceof Error ? err.message : typeof (err as { message?: unknown })?.message === 'string' ? (err as Error).message : String(err);
  let reason = message;
  if (message.startsWith('Failed query: ')) {
    // The database's error is the cause; between a step and its onFailure it was serialized, losing its code.
    const cause = pgErrorOf(err)?.message ?? (err as { cause?: { message?: unknown } }).cause?.message;
    reason =
      typeof cause === 'string' && cause && !cause.startsWith('Failed query: ')
        ? `A database statement failed: ${cause}`
        : 'A database statement failed (the server log has its details)';
  }
  return reason.replaceAll('\0', '').slice(0, MAX_REASON);
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
