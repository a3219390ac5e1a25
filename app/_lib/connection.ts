'use client';

import { createContext, useContext, useSyncExternalStore } from 'react';

/**
 * The live connection (the tRPC WebSocket) as people see it:
 * - connecting: the first connection is being made;
 * - connected: live;
 * - reconnecting: the connection dropped and the client is retrying (subscriptions will resume where they stopped);
 * - reconnected: shown for a moment after a recovery, then back to connected.
 */
export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'reconnected';

export type ConnectionStore = {
  get(): ConnectionState;
  subscribe(listener: () => void): () => void;
  /** Fed by the WebSocket client's onOpen. */
  opened(): void;
  /** Fed by the WebSocket client's onClose and onError. */
  closed(): void;
  /** Called on every recovery (not on the first connection): the provider refetches what may have changed meanwhile. */
  onRecovered(listener: () => void): () => void;
};

/** How long "reconnected" stays up before it settles to "connected". */
export const RECONNECTED_MS = 3_000;

export function createConnectionStore(): ConnectionStore {
  let state: ConnectionState = 'connecting';
  let everOpened = false;
  let settle: ReturnType<typeof setTimeout> | undefined;
  const listeners = new Set<() => void>();
  const recovered = new Set<() => void>();
  const set = (next: ConnectionState) => {
    if (next === state) return;
    state = next;
    for (const l of listeners) l();
  };
  return {
    get: () => state,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    opened() {
      clearTimeout(settle);
      if (!everOpened || state === 'connecting') {
        everOpened = true;
        set('connected');
        return;
      }
      if (state !== 'reconnecting') return;
      set('reconnected');
      for (const l of recovered) l();
      settle = setTimeout(() => set('connected'), RECONNECTED_MS);
    },
    closed() {
      clearTimeout(settle);
      // Before the first connection there is nothing to recover; the client keeps trying either way.
      set(everOpened ? 'reconnecting' : 'connecting');
    },
    onRecovered(listener) {
      recovered.add(listener);
      return () => recovered.delete(listener);
    },
  };
}

export const ConnectionContext = createContext<ConnectionStore | null>(null);

/** The live connection's state, for indicators and for pausing things that need the connection. */
export function useConnectionState(): ConnectionState {
  const store = useContext(ConnectionContext);
  if (!store) throw new Error('useConnectionState must be used inside the dashboard (TrpcProvider)');
  return useSyncExternalStore(store.subscribe, store.get, () => 'connecting');
}
