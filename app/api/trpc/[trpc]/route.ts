import { appRouter } from '../../../../server/routers/_app';
import { createTrpcHttpHandler } from '../../../../server/trpc/http-handler';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// The custom server answers /api/trpc itself (server/app-server.ts); this route
// serves the same handler when Next runs on its own (e.g. `next dev`).
const handleTrpcRequest = createTrpcHttpHandler(appRouter);

export { handleTrpcRequest as GET, handleTrpcRequest as POST };
