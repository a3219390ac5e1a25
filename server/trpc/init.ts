import { initTRPC, TRPCError } from '@trpc/server';
import superjson from 'superjson';
import type { Context } from './context';
import { describeFieldErrors, fieldErrorsOf, retryAfterOf, toTRPCError } from './error-mapping';
import { CSRF_HEADER } from '../services/auth/authenticate';
import { can, type Capability } from '../services/auth/principal';
import { callerLimits, limitCaller, type CallerRule } from '../services/auth/limit-caller';
import { safeEqual } from '../services/security/tokens';

const t = initTRPC.context<Context>().create({
  transformer: superjson,
  errorFormatter({ shape, error }) {
    const fieldErrors = error.code === 'BAD_REQUEST' ? fieldErrorsOf(error.cause) : null;
    const internal = error.code === 'INTERNAL_SERVER_ERROR';
    const { stack: _stack, ...data } = shape.data;
    return {
      ...shape,
      message: fieldErrors ? describeFieldErrors(fieldErrors) : internal ? 'Internal server error' : shape.message,
      // WebSocket clients get no headers, so the wait travels in the error itself.
      data: { ...data, fieldErrors, retryAfterSeconds: retryAfterOf(error) },
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

/** Anonymous calls stop here; only public procedures skip it. */
const authenticated = t.middleware(async function authenticated({ ctx, next }) {
  if (!ctx.principal) {
    throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in, or send an API key (Authorization: Bearer ak_…)' });
  }
  return next({ ctx: { principal: ctx.principal } });
});

/** Role and key scope, checked in one place for every procedure. */
const requires = (capability: Capability) =>
  t.middleware(async function requiresCapability({ ctx, next }) {
    if (!can(ctx.principal, capability)) {
      const who = ctx.principal?.kind === 'api-key' ? 'this API key' : `the ${ctx.principal?.role ?? 'anonymous'} role`;
      throw new TRPCError({ code: 'FORBIDDEN', message: `This needs ${capability} access, which ${who} does not have` });
    }
    return next();
  });

/**
 * Cookie-authenticated mutations over HTTP must echo the session's CSRF token
 * in a header: a page on another site can make the browser send the cookie,
 * but cannot read the token or set the header. API keys are not sent by
 * browsers on their own, so they need no token.
 */
const csrfProtected = t.middleware(async function csrfProtected({ ctx, type, next }) {
  if (type === 'mutation' && ctx.transport === 'http' && ctx.principal?.kind === 'session') {
    const sent = ctx.headers.get(CSRF_HEADER);
    if (!sent || !ctx.principal.csrfToken || !safeEqual(sent, ctx.principal.csrfToken)) {
      throw new TRPCError({ code: 'FORBIDDEN', message: `Missing or wrong ${CSRF_HEADER} header` });
    }
  }
  return next();
});

/**
 * Expensive calls are limited per key, else per user, else per address. The
 * system principal (in-process callers) is not limited.
 */
export const rateLimit = (rule: CallerRule) =>
  t.middleware(async function rateLimited({ ctx, next }) {
    await limitCaller(ctx.db, callerLimits(ctx.config), rule, ctx);
    return next();
  });

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Health, setup and sign-in only: no credentials needed. */
export const publicProcedure = t.procedure.use(mapErrors);
/** Reads knowledge, projects, tasks and jobs: viewers and read-scope keys and up. */
export const readProcedure = publicProcedure.use(authenticated).use(requires('read'));
/** Creates or changes data: members and write-scope keys and up. */
export const writeProcedure = readProcedure.use(requires('write')).use(csrfProtected);
/** Users, other people's keys, settings and the audit log: admins and admin-scope keys. */
export const adminProcedure = readProcedure.use(requires('admin')).use(csrfProtected);
/** Who the caller is: any signed-in user or API key, whatever its role or scope. */
export const signedInProcedure = publicProcedure.use(authenticated);
/**
 * One's own account and keys, for people of any role (a viewer needs a read
 * key for an MCP client). A key may act on keys only with the admin scope, so
 * a leaked read key cannot mint itself a stronger one.
 */
export const accountProcedure = signedInProcedure
  .use(t.middleware(async function keysNeedAdmin({ ctx, next }) {
    if (ctx.principal?.kind === 'api-key' && !can(ctx.principal, 'admin')) {
      throw new TRPCError({ code: 'FORBIDDEN', message: 'Managing keys with an API key needs its admin scope; sign in instead' });
    }
    return next();
  }))
  .use(csrfProtected);

export { TRPCError };
