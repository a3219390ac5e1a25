import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import { type MigrationStatus, migrationStatus } from '../../../db/migrate';
import { queryRows } from '../../../db/sql';
import type { DatabaseHandle, DatabaseMode } from '../../../db/types';

export type Health = {
  status: 'ok' | 'degraded';
  version: string;
  uptimeSeconds: number;
  database: {
    mode: DatabaseMode;
    reachable: boolean;
    serverVersion: string | null;
    pgvector: string | null;
    /**
     * Set when the database has not answered the health check yet because it
     * is working (the embedded database runs one statement at a time; a vector
     * index build holds it for seconds): how long the check has waited. The
     * other fields are then those of its last answer.
     */
    busyForMs?: number;
    error?: string;
  };
  migrations: MigrationStatus | null;
};

type Facts = { database: Omit<Health['database'], 'mode' | 'busyForMs'>; migrations: MigrationStatus | null; status: Health['status'] };

/**
 * How long a health check waits for the database before it answers from the
 * last answer. Orchestrators call health with a timeout (the image's
 * HEALTHCHECK allows 5 s); on the embedded database a check used to queue
 * behind an index build for up to 9 s, and behind every crawl batch. At 200 ms
 * a check during an embedded crawl still took up to 412 ms (the event loop
 * runs late too), past the 250 ms issue 18 allows.
 */
export const HEALTH_WAIT_MS = 100;
/** A database that has not answered a check for this long is reported unreachable (503), though the check goes on waiting. */
export const HEALTH_STALL_MS = 120_000;

type Probe = { startedAt: number; done: Promise<Facts> };
type State = { probe: Probe | null; last: Facts | null };
const states = new WeakMap<DatabaseHandle, State>();

async function probeDatabase(handle: DatabaseHandle): Promise<Facts> {
  try {
    const [facts] = await queryRows<{ server_version: string; pgvector: string | null }>(
      handle.db,
      sql`select current_setting('server_version') as server_version,
                 (select extversion from pg_extension where extname = 'vector') as pgvector`,
    );
    const migrations = await migrationStatus(handle);
    return {
      status: migrations.current ? 'ok' : 'degraded',
      database: { reachable: true, serverVersion: facts?.server_version ?? null, pgvector: facts?.pgvector ?? null },
      migrations,
    };
  } catch (err) {
    return {
      status: 'degraded',
      database: { reachable: false, serverVersion: null, pgvector: null, error: (err as Error).message },
      migrations: null,
    };
  }
}

/**
 * One probe of the database at a time, shared by every check that comes while
 * it runs: checks every 50 ms during a 9 s index build used to queue 180
 * statements behind it.
 */
function currentProbe(handle: DatabaseHandle, state: State): Probe {
  if (state.probe) return state.probe;
  const probe: Probe = {
    startedAt: Date.now(),
    done: probeDatabase(handle).then((facts) => {
      state.last = facts;
      if (state.probe === probe) state.probe = null;
      return facts;
    }),
  };
  state.probe = probe;
  return probe;
}

// Unreferenced: a check waiting on a busy database must not keep a stopping process alive.
const timeout = (ms: number) => sleep(ms, null, { ref: false });

export async function getHealth(handle: DatabaseHandle, app: { version: string; startedAt: Date }): Promise<Health> {
  const base = { version: app.version, uptimeSeconds: Math.round((Date.now() - app.startedAt.getTime()) / 1000) };
  let state = states.get(handle);
  if (!state) {
    state = { probe: null, last: null };
    states.set(handle, state);
  }
  const probe = currentProbe(handle, state);
  // Until the database has answered once there is nothing to answer from, so the first check waits. Later ones
  // give the probe HEALTH_WAIT_MS from its start, not each their own: a check that comes while a late probe runs
  // answers at once.
  const facts = state.last
    ? await Promise.race([probe.done, timeout(Math.max(0, HEALTH_WAIT_MS - (Date.now() - probe.startedAt)))])
    : await probe.done;
  if (facts) return { ...base, status: facts.status, database: { mode: handle.mode, ...facts.database }, migrations: facts.migrations };
  const last = state.last!;
  const busyForMs = Date.now() - probe.startedAt;
  if (busyForMs >= HEALTH_STALL_MS) {
    return {
      ...base,
      status: 'degraded',
      database: {
        mode: handle.mode,
        reachable: false,
        serverVersion: last.database.serverVersion,
        pgvector: last.database.pgvector,
        busyForMs,
        error: `The database has not answered for ${Math.round(busyForMs / 1000)} s`,
      },
      migrations: last.migrations,
    };
  }
  return { ...base, status: last.status, database: { mode: handle.mode, ...last.database, busyForMs }, migrations: last.migrations };
}
