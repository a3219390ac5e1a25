import { sql } from 'drizzle-orm';
import type { Database } from '../../db/types';

/** Postgres NOTIFY channels. Payloads carry ids only; rows are read from the event tables. */
export const CHANNELS = {
  tasks: 'archon_tasks',
  jobs: 'archon_jobs',
  /** Wakes local runners in other processes when work is queued. */
  runner: 'archon_runner',
  /** Credentials that stopped being valid: WebSocket connections using them are closed. */
  revocations: 'archon_revocations',
  /** Provider settings changed: every process rebuilds its embedder and chat model. */
  settings: 'archon_settings',
} as const;
export type Channel = (typeof CHANNELS)[keyof typeof CHANNELS];

export type EventNotice = { key: string; id: number };

/** Queues a notification; Postgres delivers it only if the surrounding transaction commits. */
export async function notify(db: Database, channel: Channel, notice: EventNotice): Promise<void> {
  await db.execute(sql`select pg_notify(${channel}, ${JSON.stringify(notice)})`);
}

export function parseNotice(payload: string): EventNotice | null {
  try {
    const value = JSON.parse(payload) as Partial<EventNotice>;
    return typeof value.key === 'string' && typeof value.id === 'number' ? (value as EventNotice) : null;
  } catch {
    return null;
  }
}
