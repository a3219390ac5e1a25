'use client';

import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createTRPCClient, createWSClient, httpBatchLink, httpLink, splitLink, type TRPCClient, type TRPCLink, wsLink } from '@trpc/client';
import { type ReactNode, useEffect, useState } from 'react';
import superjson from 'superjson';
import { SessionEndedBanner } from '../_components/shell/session-ended-banner';
import { isSigningOut, loginUrl } from './auth';
import { ConnectionContext, type ConnectionStore, createConnectionStore } from './connection';
import { csrfHeaders } from './cookies';
import { describeError } from './errors';
import { immediateMutationLink } from './immediate-mutation-link';
import { hasUnsavedInput, markSessionEnded, sessionEndedHref } from './session-ended';
import { type AppRouter, TRPCProvider } from './trpc';

// Close code the server uses when a connection's key or session was revoked or expired (server/ws.ts).
const REVOKED_CLOSE_CODE = 1008;

/** Retries are for failures that may pass (network, server trouble); a refusal (4xx) would only be refused again. */
const retryable = (err: unknown) => ['NETWORK', 'INTERNAL_SERVER_ERROR', 'SERVICE_UNAVAILABLE', 'UNKNOWN'].includes(describeError(err).code);

function toLogin() {
  if (isSigningOut()) return; // signOut navigates itself
  const href = loginUrl(window.location.pathname + window.location.search);
  // Leaving now would lose what someone is typing: say so and let them sign in when ready (the banner links here).
  if (sessionEndedHref() || hasUnsavedInput()) markSessionEnded(href);
  else window.location.assign(href);
}

function onAnyError(err: unknown) {
  if (describeError(err).code === 'UNAUTHORIZED') toLogin();
}

function makeQueryClient() {
  return new QueryClient({
    defaultOptions: {
      // Live state comes from subscriptions, never from polling: no refetchInterval anywhere.
      queries: { staleTime: 30_000, retry: (failures, err) => failures < 2 && retryable(err) },
      mutations: { retry: false },
    },
    // A session that ended (expired, signed out elsewhere) sends the person to sign in, whatever asked.
    queryCache: new QueryCache({ onError: onAnyError }),
    mutationCache: new MutationCache({ onError: onAnyError }),
  });
}

/** After a revoked or expired connection: signed out for good, or only a role change the next connection picks up? */
async function checkStillSignedIn() {
  try {
    const res = await fetch('/api/trpc/auth.status');
    const body = (await res.json()) as { result?: { data?: { json?: { principal?: unknown } } } };
    if (res.ok && !body.result?.data?.json?.principal) toLogin();
  } catch {
    // Unreachable: the connection indicator already says so.
  }
}

/**
 * Queries go as GET, in batches up to this many characters of address. One whose input alone is longer goes by
 * itself as POST (the handler allows it): a 2,000-character CJK search is 18 KB percent-encoded, past Node's
 * 16 KiB request head, and the server's empty 431 showed as "Search failed".
 */
const MAX_URL_CHARS = 8_000;
const addressLength = (input: unknown) => (input === undefined ? 0 : encodeURIComponent(JSON.stringify(superjson.serialize(input))).length);

function makeLinks(store: ConnectionStore): { links: TRPCLink<AppRouter>[]; close: () => void } {
  const batched = httpBatchLink<AppRouter>({
    url: '/api/trpc',
    transformer: superjson,
    maxURLLength: MAX_URL_CHARS,
    // Cookie-authenticated writes must echo the CSRF token; reads need nothing.
    headers: ({ opList }) => (opList.some((op) => op.type === 'mutation') ? csrfHeaders() : {}),
  });
  const http = splitLink<AppRouter>({
    condition: (op) => op.type === 'query' && addressLength(op.input) > MAX_URL_CHARS - 500,
    true: httpLink<AppRouter>({ url: '/api/trpc', transformer: superjson, methodOverride: 'POST' }),
    false: batched,
  });
  if (typeof window === 'undefined') return { links: [http], close: () => {} }; // Server render: nothing is fetched there, and Node 20 has no WebSocket.
  const wsClient = createWSClient({
    // Same origin, so the browser sends the session cookie with the handshake and the server authenticates with it.
    url: () => `${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}/api/trpc-ws`,
    retryDelayMs: (attempt) => Math.min(300 * 2 ** attempt, 5_000),
    onOpen: () => store.opened(),
    onError: () => store.closed(),
    onClose: (cause) => {
      store.closed();
      if (cause?.code === REVOKED_CLOSE_CODE) void checkStillSignedIn();
    },
  });
  return {
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        // wsLink resubscribes after a reconnect with the last tracked() id it saw as `lastEventId`: streams resume without gaps.
        true: wsLink<AppRouter>({ client: wsClient, transformer: superjson }),
        false: splitLink({
          condition: (op) => op.type === 'mutation',
          true: immediateMutationLink<AppRouter>({ url: '/api/trpc', headers: csrfHeaders }),
          false: http,
        }),
      }),
    ],
    close: () => void wsClient.close(),
  };
}

type Clients = { store: ConnectionStore; queryClient: QueryClient; trpcClient: TRPCClient<AppRouter>; close: () => void };

function makeClients(): Clients {
  const store = createConnectionStore();
  const { links, close } = makeLinks(store);
  return { store, queryClient: makeQueryClient(), trpcClient: createTRPCClient<AppRouter>({ links }), close };
}

// One set of clients per page load in the browser, made outside React's state: React may render the provider many
// times and throw those renders away (a slow page hydrating under load went through hundreds), and each of them made a
// WebSocket client that connected at once and was never closed, so the live socket queued behind dozens of leaked ones.
let browserClients: Clients | null = null;
let users = 0;
let closing: ReturnType<typeof setTimeout> | undefined;

function getClients(): Clients {
  if (typeof window === 'undefined') return makeClients(); // Server render: one per request, no WebSocket.
  browserClients ??= makeClients();
  return browserClients;
}

/**
 * The dashboard's data layer: TanStack Query plus tRPC. Queries and mutations
 * go over HTTP (batched), subscriptions over one WebSocket, whose state feeds
 * the connection indicator. After a reconnect, active queries are refetched
 * once, since a change may have happened while the connection was down.
 */
export function TrpcProvider({ children }: { children: ReactNode }) {
  const [{ store, queryClient, trpcClient }] = useState(getClients);
  useEffect(() => store.onRecovered(() => void queryClient.invalidateQueries()), [store, queryClient]);
  useEffect(() => {
    users++;
    clearTimeout(closing);
    return () => {
      // Closed once nothing uses it; deferred, so an effect that is torn down and set up again (Strict Mode) keeps it.
      if (--users > 0) return;
      closing = setTimeout(() => {
        if (users > 0 || !browserClients) return;
        browserClients.close();
        browserClients = null;
      }, 0);
    };
  }, []);
  return (
    <ConnectionContext value={store}>
      <QueryClientProvider client={queryClient}>
        <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
          {children}
          <SessionEndedBanner />
        </TRPCProvider>
      </QueryClientProvider>
    </ConnectionContext>
  );
}
