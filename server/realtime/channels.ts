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
  /** An MCP session ended, or a client cancelled a request: reaches the process that holds the session's stream or runs the request. */
  mcp: 'archon_mcp',
} as const;
export type Channel = (typeof CHANNELS)[keyof typeof CHANNELS];

/** A new row in an event table: `key` says whose (a job, a project), `id` is the row's. */
export type EventNotice = { key: string; id: number };

/** Which credentials ended: a key, a session, or everything of a user (disabled, role changed). */
export type Revocation = { keyId?: string; sessionId?: string; userId?: string };

/** What happened to an MCP session that other processes must act on (see server/mcp/http.ts). */
export type McpNotice = { sessionId: string } & ({ kind: 'closed' } | { kind: 'cancelled'; requestId: string | number; reason?: string });

/** What each channel's notifications carry; `null` is a bare wake-up, sent with an empty payload. */
type Payloads = {
  [CHANNELS.tasks]: EventNotice;
  [CHANNELS.jobs]: EventNotice;
  [CHANNELS.runner]: null;
  [CHANNELS.revocations]: Revocation;
  [CHANNELS.settings]: null;
  [CHANNELS.mcp]: McpNotice;
};

/**
 * Sends every notification. Inside a transaction Postgres holds it until
 * commit and drops it on rollback, so a notice never announces a row that
 * was not written.
 */
export async function notify<C extends Channel>(db: Database, channel: C, ...payload: Payloads[C] extends null ? [] : [Payloads[C]]): Promise<void> {
  await db.execute(sql`select pg_notify(${channel}, ${payload.length ? JSON.stringify(payload[0]) : ''})`);
}

export function parseNotice(payload: string): EventNotice | null {
  try {
    const value = JSON.parse(payload) as Partial<EventNotice>;
    return typeof value.key === 'string' && typeof value.id === 'number' ? (value as EventNotice) : null;
  } catch {
    return null;
  }
}
