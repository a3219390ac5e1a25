import { initTRPC, TRPCError } from '@trpc/server';
import superjson from 'superjson';
import { isAppError } from '../errors';
import { withLogContext } from '../logger';
import { countedStream, countTrpcCall } from '../runtime/metrics';
import { type Access, authorize } from '../services/auth/authorize';
import { type CallerRule, callerLimits, limitCaller } from '../services/auth/limit-caller';
import type { Context } from './context';
import { describeFieldErrors, fieldErrorsOf, retryAfterOf, toTRPCError } from './error-mapping';

/**
 * superjson, with a clear refusal for input that is not its envelope: it
 * would otherwise answer a `null` body with "Cannot destructure property
 * 'json' of 'payload'", and read a bare string or number as no input at all.
 */
const transformer = {
  input: {
    serialize: (value: unknown) => superjson.serialize(value),
    deserialize: (payload: unknown) => {
      if (payload === undefined) return undefined;
      if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
        throw new TRPCError({
          code: 'BAD_REQUEST',
          message: 'The input must be superjson-encoded, {"json": <input>}, as @trpc/client with superjson sends it',
        });
      }
      return superjson.deserialize(payload as Parameters<typeof superjson.deserialize>[0]);
    },
  },
  output: superjson,
};

const refusedFieldOf = (e: { cause?: unknown }): string | null =>
  isAppError(e.cause) && typeof e.cause.details?.field === 'string' ? e.cause.details.field : null;

const t = initTRPC.context<Context>().create({
  transformer,
  errorFormatter({ shape, error }) {
    const fieldErrors = error.code === 'BAD_REQUEST' ? fieldErrorsOf(error.cause) : null;
    const internal = error.code === 'INTERNAL_SERVER_ERROR';
    const { stack: _stack, ...data } = shape.data;
    return {
      ...shape,
      message: fieldErrors ? describeFieldErrors(fieldErrors) : internal ? 'Internal server error' : shape.message,
      // WebSocket clients get no headers, so the wait travels in the error itself. `field` is what a service's refusal is
      // about, so a client names it as its own parameter (archon mcp against a remote Archon).
      data: { ...data, fieldErrors, retryAfterSeconds: retryAfterOf(error), field: refusedFieldOf(error) },
    };
  },
});

/** Named so it shows up in traces: turns AppErrors and database errors into tRPC errors. */
const mapErrors = t.middleware(async function mapErrors({ next }) {
  const result = await next();
  if (!result.ok) {
    const mapped = toTRPCError(result.error);
    if (mapped) throw mapped;
  }
  return result;
});

/**
 * Every authorization check goes through services/auth/authorize.ts (the
 * capability, the key-managing rule, the CSRF token on cookie-authenticated
 * mutations over HTTP). Past it the principal is known, so procedures see a
 * non-null `ctx.actor.principal` and need no `!`.
 */
const authorized = (access: Access) =>
  t.middleware(async function authorized({ ctx, type, next }) {
    const principal = authorize(ctx.actor.principal, access, { transport: ctx.transport, mutation: type === 'mutation', headers: ctx.headers });
    return next({ ctx: { actor: { ...ctx.actor, principal } } });
  });

// Calls on one WebSocket share its context; each gets the connection's id with its own number.
const callsOnConnection = new WeakMap<object, number>();
const failedCalls = new WeakMap<object, string>();

/** A WebSocket call's own request id (`<connection id>.<n>`), so its log lines are told apart from the connection's other calls. */
const perCallRequestId = t.middleware(async function perCallRequestId({ ctx, next }) {
  if (ctx.transport !== 'ws') return next();
  const n = (callsOnConnection.get(ctx.actor) ?? 0) + 1;
  callsOnConnection.set(ctx.actor, n);
  const requestId = `${ctx.actor.requestId}.${n}`;
  const result = await next({ ctx: { actor: { ...ctx.actor, requestId } } });
  if (!result.ok) failedCalls.set(result.error, requestId);
  return result;
});

const isAsyncIterable = (value: unknown): value is AsyncIterable<unknown> =>
  typeof value === 'object' && value !== null && Symbol.asyncIterator in value;

/**
 * Every line a call logs names the call, its request and its caller; every
 * call is counted and timed by procedure, and a subscription's stream counted
 * while it is open (runtime/metrics.ts).
 */
const observed = t.middleware(async function observed({ ctx, path, type, next }) {
  const { principal, requestId } = ctx.actor;
  return withLogContext({ requestId, procedure: path, userId: principal?.userId, keyId: principal?.keyId }, async () => {
    const started = performance.now();
    const result = await next();
    countTrpcCall({ procedure: path, type, transport: ctx.transport }, result.ok ? 'OK' : result.error.code, (performance.now() - started) / 1000);
    if (result.ok && type === 'subscription' && isAsyncIterable(result.data))
      return { ...result, data: countedStream(path, result.data) } as typeof result;
    return result;
  });
});

/** The request id of the WebSocket call that failed with this error, for the transport's log line (its context knows only the connection's). */
export const requestIdOfFailure = (error: object): string | undefined => failedCalls.get(error);

/**
 * Expensive calls are limited per key, else per user, else per address. The
 * system principal (in-process callers) is not limited.
 */
export const rateLimit = (rule: CallerRule) =>
  t.middleware(async function rateLimited({ ctx, next }) {
    await limitCaller(ctx.db, callerLimits(ctx.config), rule, ctx.actor);
    return next();
  });

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Health, setup and sign-in only: no credentials needed. */
export const publicProcedure = t.procedure.use(perCallRequestId).use(observed).use(mapErrors);
/** Reads knowledge, projects, tasks and jobs: viewers and read-scope keys and up. */
export const readProcedure = publicProcedure.use(authorized('read'));
/** Creates or changes data: members and write-scope keys and up. */
export const writeProcedure = publicProcedure.use(authorized('write'));
/** Users, other people's keys, settings and the audit log: admins and admin-scope keys. */
export const adminProcedure = publicProcedure.use(authorized('admin'));
/** Who the caller is: any signed-in user or API key, whatever its role or scope. */
export const signedInProcedure = publicProcedure.use(authorized('signed-in'));
/**
 * One's own account and keys, for people of any role (a viewer needs a read
 * key for an MCP client); an API key needs its admin scope.
 */
export const accountProcedure = publicProcedure.use(authorized('own-keys'));

export { TRPCError };
