import { type TrackedEnvelope, tracked } from '@trpc/server';
import type { Channel } from './channels';
import { parseNotice } from './channels';
import type { PubSub } from './pubsub';

type Wakeup = { notify(): void; wait(signal: AbortSignal | undefined, timeoutMs: number): Promise<void> };

function createWakeup(): Wakeup {
  let pending = false;
  let release: (() => void) | null = null;
  return {
    notify() {
      pending = true;
      release?.();
    },
    async wait(signal, timeoutMs) {
      if (!pending && !signal?.aborted) {
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            signal?.removeEventListener('abort', done);
            release = null;
            resolve();
          };
          const timer = setTimeout(done, timeoutMs);
          signal?.addEventListener('abort', done, { once: true });
          release = done;
        });
      }
      pending = false;
    },
  };
}

export type StreamOptions<T extends { id: number }> = {
  pubsub: PubSub;
  channel: Channel;
  /** Only notifications for this key wake the stream; undefined wakes on all. */
  key?: string;
  lastEventId?: string | null;
  /** Cursor to start from when the client sends no lastEventId. */
  initialCursor: () => Promise<number>;
  fetchAfter: (cursor: number, limit: number) => Promise<T[]>;
  signal?: AbortSignal;
  /**
   * Called whenever a wake finds nothing new; throws to end the stream. For a
   * stream over something that can be deleted, whose events go with it (a
   * project's tasks): otherwise its subscribers would wait on it for good.
   */
  check?: () => Promise<void>;
  /** Safety net: re-read the table this often even without a notification. */
  pollMs?: number;
  batchSize?: number;
};

/**
 * Opens a stream over an append-only event table, resuming after
 * `lastEventId`. The subscription and the starting cursor are set up before
 * this resolves, so an event committed right after the client is told the
 * subscription started is never missed. The table, not the notification, is
 * the source of truth, which makes a resume gap-free and duplicate-free.
 */
export async function openEventStream<T extends { id: number }>(opts: StreamOptions<T>): Promise<AsyncGenerator<TrackedEnvelope<T>, void, unknown>> {
  const wakeup = createWakeup();
  const unsubscribe = await opts.pubsub.subscribe(opts.channel, (payload) => {
    if (opts.key === undefined || parseNotice(payload)?.key === opts.key) wakeup.notify();
  });
  let cursor: number;
  try {
    cursor = opts.lastEventId != null && /^\d+$/.test(opts.lastEventId) ? Number(opts.lastEventId) : await opts.initialCursor();
  } catch (err) {
    unsubscribe();
    throw err;
  }
  // A generator that is never started never runs its finally block.
  opts.signal?.addEventListener('abort', unsubscribe, { once: true });
  const batch = opts.batchSize ?? 200;

  return (async function* stream() {
    try {
      while (!opts.signal?.aborted) {
        const rows = await opts.fetchAfter(cursor, batch);
        if (rows.length === 0) await opts.check?.();
        for (const row of rows) {
          if (opts.signal?.aborted) return;
          cursor = row.id;
          yield tracked(String(row.id), row);
        }
        if (rows.length < batch) await wakeup.wait(opts.signal, opts.pollMs ?? 5_000);
      }
    } finally {
      unsubscribe();
    }
  })();
}
