import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { appRouter } from '../../../../server/routers/_app';
import { createContext } from '../../../../server/trpc/context';
import { getRuntime } from '../../../../server/runtime';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const handler = (req: Request) =>
  fetchRequestHandler({
    endpoint: '/api/trpc',
    req,
    router: appRouter,
    createContext: () => createContext({ req }),
    onError: async ({ error, path }) => {
      if (error.code === 'INTERNAL_SERVER_ERROR') {
        (await getRuntime()).logger.error('tRPC request failed', { path, error: error.cause ?? error });
      }
    },
  });

export { handler as GET, handler as POST };
