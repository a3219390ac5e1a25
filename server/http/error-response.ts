import { type AppError, type AppErrorCode, fromDatabaseError, isAppError } from '../errors';
import type { Logger } from '../logger';
import { REQUEST_ID_HEADER } from '../services/auth/actor';

const HTTP_STATUS: Record<AppErrorCode, number> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PRECONDITION_FAILED: 412,
  PAYLOAD_TOO_LARGE: 413,
  UNPROCESSABLE_CONTENT: 422,
  TOO_MANY_REQUESTS: 429,
  SERVICE_UNAVAILABLE: 503,
};

export type ErrorBody = { error: { code: AppErrorCode | 'INTERNAL_SERVER_ERROR'; message: string; details?: Record<string, unknown> } };

/**
 * The one place where domain and database errors become HTTP responses for
 * plain route handlers (tRPC has its own, server/trpc/error-mapping.ts).
 * Anything else is a 500 whose message is logged (with the request's id), not sent.
 */
export function errorResponse(err: unknown, logger: Logger, req?: Request): Response {
  const appError: AppError | null = isAppError(err) ? err : fromDatabaseError(err);
  if (!appError) {
    const requestId = req?.headers.get(REQUEST_ID_HEADER);
    logger.error('request failed', { ...(requestId ? { requestId } : {}), error: err as Error });
    const body: ErrorBody = { error: { code: 'INTERNAL_SERVER_ERROR', message: 'Internal server error' } };
    return Response.json(body, { status: 500 });
  }
  const body: ErrorBody = {
    error: { code: appError.code, message: appError.message, ...(appError.details ? { details: appError.details } : {}) },
  };
  const headers: Record<string, string> = { 'cache-control': 'no-store' };
  const retryAfter = appError.details?.retryAfterSeconds;
  if (appError.code === 'TOO_MANY_REQUESTS' && typeof retryAfter === 'number') headers['retry-after'] = String(Math.max(1, Math.ceil(retryAfter)));
  return Response.json(body, { status: HTTP_STATUS[appError.code], headers });
}
