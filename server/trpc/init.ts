import { initTRPC, TRPCError } from '@trpc/server';
import superjson from 'superjson';
import type { Context } from './context';
import { describeFieldErrors, fieldErrorsOf, toTRPCError } from './error-mapping';

const t = initTRPC.context<Context>().create({
  transformer: superjson,
  errorFormatter({ shape, error }) {
    const fieldErrors = error.code === 'BAD_REQUEST' ? fieldErrorsOf(error.cause) : null;
    const internal = error.code === 'INTERNAL_SERVER_ERROR';
    const { stack: _stack, ...data } = shape.data;
    return {
      ...shape,
      message: fieldErrors ? describeFieldErrors(fieldErrors) : internal ? 'Internal server error' : shape.message,
      data: { ...data, fieldErrors },
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

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Health and sign-in only. */
export const publicProcedure = t.procedure.use(mapErrors);
/** Reads knowledge, projects and tasks. */
export const readProcedure = publicProcedure;
/** Creates or changes data. */
export const writeProcedure = publicProcedure;
/** Settings, users and keys. */
export const adminProcedure = publicProcedure;

export { TRPCError };
