import { TRPCClientError } from '@trpc/client';
import { ArchonHttpError } from '../packages/client/src/core';
import { CliError, UsageError } from './errors';
import { unreachable } from './remote-backend';

// Codes Archon answers with for a request it understood and refused: the user's to fix, said in one line.
const REFUSALS = new Set([
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
]);

type Where = { where: string; mode: 'local' | 'remote' };

/** The code and message of an error from either side: the client's (remote) or tRPC's own (a local call). */
function codeAndMessage(err: unknown): { code: string | null; message: string; cause?: unknown; retryAfter?: number | null } {
  if (err instanceof ArchonHttpError) return { code: err.code, message: err.message, retryAfter: Number(err.details?.retryAfterSeconds) || null };
  if (err instanceof TRPCClientError) {
    const data = err.data as { code?: string; retryAfterSeconds?: number | null } | undefined;
    return { code: data?.code ?? null, message: err.message, cause: err.cause, retryAfter: data?.retryAfterSeconds };
  }
  const e = err as { name?: string; code?: unknown; message?: string; cause?: unknown; details?: { retryAfterSeconds?: number } };
  if ((e?.name === 'TRPCError' || e?.name === 'AppError') && typeof e.code === 'string') {
    return { code: e.code, message: e.message ?? String(err), cause: e.cause, retryAfter: e.details?.retryAfterSeconds ?? null };
  }
  if (err instanceof TypeError && /fetch failed/.test(err.message)) return { code: null, message: err.message, cause: err.cause };
  return { code: 'UNEXPECTED', message: (err as Error)?.message ?? String(err) };
}

/** zod's issues behind a local BAD_REQUEST, in the words tRPC's error formatter gives remote callers. */
function fieldErrors(cause: unknown): string | null {
  if (!cause || typeof cause !== 'object' || (cause as { name?: string }).name !== 'ZodError') return null;
  const issues = (cause as { issues: { path: PropertyKey[]; message: string; code?: string; keys?: string[] }[] }).issues;
  const parts = issues.map((i) => {
    const at = [...i.path.map(String), ...(i.code === 'unrecognized_keys' ? (i.keys ?? []).slice(0, 1) : [])].join('.');
    return `${at || 'input'}: ${i.code === 'unrecognized_keys' ? 'is not a known field' : i.message}`;
  });
  return `Invalid input: ${parts.join('; ')}`;
}

/**
 * An error a call ended with, as the CLI says it: Archon's refusals and an
 * unreachable server become one-line CliErrors (UsageError for invalid
 * arguments); anything else is returned as it is, a bug to report.
 */
export function describeError(err: unknown, at: Where): Error {
  if (err instanceof CliError) return err;
  const { code, message, cause, retryAfter } = codeAndMessage(err);
  if (code === null) return new CliError(unreachable(at.where, { message, cause }), 'UNREACHABLE');
  if (code === 'UNAUTHORIZED') {
    return new CliError(
      at.mode === 'remote'
        ? `${at.where} refused ARCHON_API_KEY: it is revoked, expired or mistyped.`
        : `ARCHON_API_KEY is not a valid key of this database: it is revoked, expired or mistyped (leave it unset to act as the local owner).`,
      code,
    );
  }
  if (code === 'BAD_REQUEST') {
    return new UsageError(fieldErrors(cause) ?? message, code);
  }
  if (code === 'TOO_MANY_REQUESTS') {
    // Archon's own refusals already say when ("…; try again in 26 s"); a proxy's may not.
    const when = retryAfter && !/try again/i.test(message) ? ` (try again in ${Math.ceil(retryAfter)} s)` : '';
    return new CliError(`${message}${when}`, code);
  }
  if (REFUSALS.has(code)) return new CliError(message, code);
  if (code === 'INTERNAL_SERVER_ERROR' && at.mode === 'remote') {
    return new CliError(`Archon at ${at.where} failed: ${message} (its log has the details)`, code);
  }
  return err instanceof Error ? err : new Error(String(err));
}
