import { createTRPCContext } from '@trpc/tanstack-react-query';
import type { AppRouter, RouterInputs, RouterOutputs } from '../../server/routers/_app';

/**
 * The typed tRPC hooks for client components:
 *
 *   const trpc = useTRPC();
 *   const sources = useQuery(trpc.knowledge.sources.queryOptions({}));
 *   const save = useMutation(trpc.knowledge.updateSource.mutationOptions());
 *   useSubscription(trpc.jobs.onProgress.subscriptionOptions({ lastEventId: null }, { onData }));
 *
 * The provider (trpc-provider.tsx) sits in the dashboard layout, so these work in any page under app/(dashboard).
 */
export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

export type { AppRouter, RouterInputs, RouterOutputs };
