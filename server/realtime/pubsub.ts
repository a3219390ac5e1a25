import type { DatabaseHandle } from '../../db/types';
import type { Logger } from '../logger';
import type { Channel } from './channels';

export type Unsubscribe = () => void;

export type PubSub = {
  subscribe(channel: Channel, onMessage: (payload: string) => void): Promise<Unsubscribe>;
  close(): Promise<void>;
};

/**
 * Fans Postgres notifications out to this process's subscribers: one LISTEN per
 * channel, whatever the number of open subscriptions. Postgres is the bus, so
 * writers in any process (route handlers, Inngest steps, other instances) reach
 * every subscriber.
 */
export function createPubSub(listen: DatabaseHandle['listen'], logger?: Logger): PubSub {
  const subscribers = new Map<Channel, Set<(payload: string) => void>>();
  const listening = new Map<Channel, Promise<() => Promise<void>>>();
  let closed = false;

  const ensureListening = (channel: Channel) => {
    let pending = listening.get(channel);
    if (!pending) {
      pending = listen(channel, (payload) => {
        for (const fn of subscribers.get(channel) ?? []) {
          try {
            fn(payload);
          } catch (err) {
            logger?.error('subscriber failed', { channel, error: err as Error });
          }
        }
      });
      listening.set(channel, pending);
      pending.catch(() => listening.delete(channel));
    }
    return pending;
  };

  return {
    async subscribe(channel, onMessage) {
      if (closed) throw new Error('pubsub is closed');
      let set = subscribers.get(channel);
      if (!set) subscribers.set(channel, (set = new Set()));
      set.add(onMessage);
      try {
        await ensureListening(channel);
      } catch (err) {
        set.delete(onMessage);
        throw err;
      }
      return () => {
        set.delete(onMessage);
      };
    },
    async close() {
      closed = true;
      subscribers.clear();
      const offs = await Promise.allSettled([...listening.values()]);
      listening.clear();
      await Promise.allSettled(offs.map((o) => (o.status === 'fulfilled' ? o.value() : undefined)));
    },
  };
}
