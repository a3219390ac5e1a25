import { TRPCError } from '@trpc/server';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';
import { type AppErrorCode, fromDatabaseError, isAppError } from '../errors';

const CODE_MAP: Record<AppErrorCode, TRPC_ERROR_CODE_KEY> = {
  BAD_REQUEST: 'BAD_REQUEST',
  UNAUTHORIZED: 'UNAUTHORIZED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  PRECONDITION_FAILED: 'PRECONDITION_FAILED',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  UNPROCESSABLE_CONTENT: 'UNPROCESSABLE_CONTENT',
  TOO_MANY_REQUESTS: 'TOO_MANY_REQUESTS',
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
};

/**
 * The one place where domain and database errors become tRPC errors. Anything
 * unrecognised stays an INTERNAL_SERVER_ERROR, whose message the formatter hides.
 */
export function toTRPCError(err: unknown): TRPCError | null {
  const cause = err instanceof TRPCError ? (err.cause ?? err) : err;
  const appError = isAppError(cause) ? cause : fromDatabaseError(cause);
  if (!appError) return null;
  return new TRPCError({ code: CODE_MAP[appError.code], message: appError.message, cause: appError });
}

type ZodLikeIssue = { path: PropertyKey[]; message: string };

function zodIssues(cause: unknown): ZodLikeIssue[] | null {
  if (cause && typeof cause === 'object' && (cause as { name?: string }).name === 'ZodError') {
    return (cause as { issues: ZodLikeIssue[] }).issues;
  }
  return null;
}

/** Field errors keyed by dotted path ('' for the input as a whole). */
export function fieldErrorsOf(cause: unknown): Record<string, string[]> | null {
  const issues = zodIssues(cause);
  if (!issues) return null;
  const out: Record<string, string[]> = {};
  for (const issue of issues) {
    const at = issue.path.map(String);
    // An unknown key is the key's own fault, so it is reported under its name.
    const keys = (issue as { code?: string; keys?: string[] }).code === 'unrecognized_keys' ? ((issue as { keys?: string[] }).keys ?? []) : [];
    const paths = keys.length ? keys.map((k) => [...at, k].join('.')) : [at.join('.')];
    for (const path of paths) (out[path] ??= []).push(keys.length ? 'is not a known field' : issue.message);
  }
  return out;
}

export function describeFieldErrors(fields: Record<string, string[]>): string {
  return `Invalid input: ${Object.entries(fields)
    .map(([field, messages]) => `${field || 'input'}: ${messages.join(', ')}`)
    .join('; ')}`;
}

/** Seconds a rate-limited caller should wait, carried by the AppError behind a TOO_MANY_REQUESTS. */
export const retryAfterOf = (e: { cause?: unknown }): number | null =>
  isAppError(e.cause) && e.cause.code === 'TOO_MANY_REQUESTS' ? Number(e.cause.details?.retryAfterSeconds) || null : null;
