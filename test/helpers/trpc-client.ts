import { createTRPCClient, createWSClient, httpBatchLink, splitLink, wsLink } from '@trpc/client';
import superjson from 'superjson';
import WebSocket from 'ws';
import type { AppRouter } from '../../server/routers/_app';
import { TEST_API_KEY } from './server-process';

/** The client another TypeScript app would build: queries over HTTP, subscriptions over WebSocket. */
export function createArchonClient(
  baseUrl: string,
  opts: { retryDelayMs?: (attempt: number) => number /** null: anonymous */; apiKey?: string | null } = {},
) {
  const apiKey = opts.apiKey === undefined ? TEST_API_KEY : opts.apiKey;
  const wsClient = createWSClient({
    url: `${baseUrl.replace(/^http/, 'ws')}/api/trpc-ws`,
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    retryDelayMs: opts.retryDelayMs ?? (() => 200),
    ...(apiKey ? { connectionParams: () => ({ apiKey }) } : {}),
  });
  const client = createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: wsLink({ client: wsClient, transformer: superjson }),
        false: httpBatchLink({
          url: `${baseUrl}/api/trpc`,
          transformer: superjson,
          headers: () => (apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
        }),
      }),
    ],
  });
  return { client, wsClient };
}

/** A client that sends everything over the WebSocket. */
export function createArchonWsClient(baseUrl: string, apiKey: string | null = TEST_API_KEY) {
  const wsClient = createWSClient({
    url: `${baseUrl.replace(/^http/, 'ws')}/api/trpc-ws`,
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    retryDelayMs: () => 200,
    ...(apiKey ? { connectionParams: () => ({ apiKey }) } : {}),
  });
  return { client: createTRPCClient<AppRouter>({ links: [wsLink({ client: wsClient, transformer: superjson })] }), wsClient };
}
