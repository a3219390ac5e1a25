import { randomUUID } from 'node:crypto';
import type { Database } from '../../db/types';
import { type Logger, withLogContext } from '../logger';
import { lastFireTime } from './cron';
import { driveRun, type ServeHandler } from './executor';
import { SERVE_URL } from './protocol';
import { createRegistry, type Registry, type SyncedFunction } from './registry';
import {
  activeRuns,
  type ClaimedRun,
  cancelRuns,
  claimRun,
  countRunning,
  type IncomingEvent,
  insertEvents,
  insertRuns,
  type NewRun,
  nextDueInMs,
  releaseLeases,
  releaseRun,
  renewLeases,
} from './store';

/** How long a run of a function this process does not know waits before it is offered again. */
export const UNKNOWN_FUNCTION_RETRY_MS = 60_000;

/** The job a run works for: its event's `jobId`, or the failed run's event's (an `onFailure` run). */
export function jobIdOf(event: Record<string, unknown>): string | undefined {
  const data = event.data as { jobId?: unknown; event?: { data?: { jobId?: unknown } } } | undefined;
  const id = data?.jobId ?? data?.event?.data?.jobId;
  return typeof id === 'string' ? id : undefined;
}

export type LocalRunnerOptions = {
  db: Database;
  handler: ServeHandler;
  logger: Logger;
  /** Runs driven at once by this process. */
  slots?: number;
  leaseMs?: number;
  idlePollMs?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Wakes this runner when another process queues work (Postgres NOTIFY). */
  subscribeWakeups?: (wake: () => void) => Promise<() => void>;
  /** Tells other processes there is new work. */
  announce?: () => Promise<void>;
  /** The clock cron triggers read (tests move it). */
  now?: () => number;
  cronTickMs?: number;
};

export type LocalRunner = {
  owner: string;
  registry: Registry;
  /** Runs this process drives at once. */
  slots: number;
  /** Runs this process is driving now (the metrics endpoint reads it). */
  busy(): number;
  /** Asks the SDK for its functions (PUT, as an Inngest server would), then starts claiming runs. */
  start(): Promise<void>;
  /** Stops claiming, waits up to `graceMs` for runs in flight, and hands unfinished ones back. */
  stop(graceMs?: number): Promise<void>;
  /** Receives events: stores them, starts the runs they trigger, cancels the runs they cancel. */
  send(events: IncomingEvent[]): Promise<string[]>;
  register(functions: SyncedFunction[]): void;
  /** Resolves when nothing is running and nothing is due (tests and benchmarks). */
  idle(timeoutMs?: number): Promise<void>;
  /** Stops without handing runs back, as a crash would (tests). */
  abandon(): void;
  /** Starts the runs of cron triggers due at the runner's clock (called on a timer; tests call it directly). */
  tickCron(): Promise<void>;
};

export function createLocalRunner(opts: LocalRunnerOptions): LocalRunner {
  const { db, logger } = opts;
  const owner = `${process.pid}-${randomUUID().slice(0, 8)}`;
  const registry = createRegistry(logger);
  const slots = opts.slots ?? 4;
  const leaseMs = opts.leaseMs ?? 30_000;
  const idlePollMs = opts.idlePollMs ?? 1_000;
  const retryBaseMs = opts.retryBaseMs ?? 2_000;
  const retryMaxMs = opts.retryMaxMs ?? 5 * 60_000;
  const inFlight = new Map<string, Promise<void>>();
  let running = false;
  let wakeWaiters: (() => void)[] = [];
  let stopListening: (() => void) | null = null;
  let heartbeat: NodeJS.Timeout | null = null;
  const loops: Promise<void>[] = [];
  const now = opts.now ?? Date.now;
  let startedAt = 0;
  let cronTimer: NodeJS.Timeout | null = null;

  /**
   * Each cron slot becomes one event with an id derived from the function and
   * the slot, so it fires once however many processes tick, and never for
   * slots that passed before this runner started (an Inngest server does not
   * catch up on missed slots either).
   */
  async function tickCron() {
    const at = new Date(now());
    for (const fn of registry.all()) {
      for (const trigger of fn.triggers) {
        if (!trigger.cron) continue;
        const slot = lastFireTime(trigger.cron, at);
        if (slot.getTime() < startedAt) continue;
        await db.transaction(async (tx) => {
          const [event] = await insertEvents(tx, [
            { id: `cron:${fn.id}:${slot.toISOString()}`, name: 'inngest/scheduled.timer', data: { cron: trigger.cron }, ts: slot.getTime() },
          ]);
          if (event) await insertRuns(tx, [{ functionId: fn.id, event, concurrencyKey: null, concurrencyLimit: null }]);
        });
      }
    }
    wake();
  }

  const wake = () => {
    const waiters = wakeWaiters;
    wakeWaiters = [];
    for (const w of waiters) w();
  };
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      wakeWaiters.push(done);
    });

  const retryDelayMs = (attempt: number) => Math.min(retryMaxMs, retryBaseMs * 2 ** Math.max(0, attempt - 1)) * (0.8 + Math.random() * 0.4);

  async function onFailed(run: ClaimedRun, error: unknown) {
    logger.error('run failed', { error: (error as { message?: string }).message });
    await send([
      {
        name: 'inngest/function.failed',
        data: { function_id: run.functionId, run_id: run.id, error, event: run.event },
      },
    ]);
  }

  async function execute(run: ClaimedRun) {
    const fn = registry.get(run.functionId);
    if (!fn) {
      // Another version of Archon (a rolling deploy) may know it. Only this run goes back, and not at
      // once: the other slots' runs share this owner, and this one would be claimed again in a loop.
      logger.error('run of an unknown function; leaving it queued', { function: run.functionId });
      await releaseRun(db, run.id, owner, new Date(Date.now() + UNKNOWN_FUNCTION_RETRY_MS));
      return;
    }
    await driveRun(fn, run, { db, handler: opts.handler, owner, logger, retryDelayMs, onFailed });
  }

  /** Every line a run logs, the function's own included (the SDK runs it in this call), names the run and its job. */
  const executeInContext = (run: ClaimedRun) =>
    withLogContext({ runId: run.id, function: run.functionId, jobId: jobIdOf(run.event) }, () => execute(run));

  async function loop() {
    while (running) {
      let run: ClaimedRun | null = null;
      try {
        run = await claimRun(db, owner, leaseMs, [...inFlight.keys()]);
      } catch (err) {
        if (running) logger.error('claiming a run failed', { error: err as Error });
      }
      if (!run) {
        // A run due now that could not be claimed is waiting for a concurrency
        // slot: wait for a run to finish (wake) rather than re-claim in a loop.
        const due = await nextDueInMs(db).catch(() => null);
        await sleep(due !== null && due > 0 ? Math.min(idlePollMs, due) : idlePollMs);
        continue;
      }
      const work = executeInContext(run).catch((err: unknown) => logger.error('run execution crashed', { runId: run!.id, error: err as Error }));
      inFlight.set(run.id, work);
      await work;
      inFlight.delete(run.id);
      wake();
      await opts.announce?.().catch(() => {});
    }
  }

  async function send(events: IncomingEvent[]): Promise<string[]> {
    const withIds = events.map((e) => ({ ...e, id: e.id ?? randomUUID() }));
    await db.transaction(async (tx) => {
      const stored = await insertEvents(tx, withIds);
      const runs: NewRun[] = [];
      const toCancel: string[] = [];
      for (const event of stored) {
        for (const fn of registry.all()) {
          const triggered = fn.triggers.some((t) => t.event === event.name && (!t.matches || Boolean(t.matches({ event }))));
          if (triggered) {
            runs.push({
              functionId: fn.id,
              event,
              concurrencyKey: fn.concurrency ? fn.concurrency.key(event) : null,
              concurrencyLimit: fn.concurrency?.limit ?? null,
            });
          }
        }
        const cancellable = registry.all().filter((fn) => fn.cancel.some((c) => c.event === event.name));
        if (cancellable.length) {
          for (const run of await activeRuns(
            tx,
            cancellable.map((f) => f.id),
          )) {
            const fn = registry.get(run.functionId)!;
            if (fn.cancel.some((c) => c.event === event.name && (!c.matches || Boolean(c.matches({ event, async: run.event }))))) {
              toCancel.push(run.id);
            }
          }
        }
      }
      await insertRuns(tx, runs);
      await cancelRuns(tx, toCancel);
    });
    wake();
    await opts.announce?.().catch(() => {});
    return withIds.map((e) => e.id);
  }

  return {
    owner,
    registry,
    slots,
    busy: () => inFlight.size,
    register: (functions) => registry.set(functions),
    send,
    async start() {
      if (running) return;
      const res = await opts.handler(new Request(SERVE_URL, { method: 'PUT', headers: { host: 'localhost' } }));
      if (!res.ok) throw new Error(`The Inngest SDK refused to register its functions: HTTP ${res.status} ${await res.text()}`);
      if (registry.all().length === 0) throw new Error('The Inngest SDK registered no functions with the local runner');
      running = true;
      startedAt = now();
      stopListening = (await opts.subscribeWakeups?.(wake)) ?? null;
      cronTimer = setInterval(() => {
        tickCron().catch((err: unknown) => logger.warn('cron tick failed', { error: err as Error }));
      }, opts.cronTickMs ?? 15_000);
      cronTimer.unref();
      heartbeat = setInterval(
        () => {
          renewLeases(db, [...inFlight.keys()], owner, leaseMs).catch((err: unknown) => logger.warn('lease renewal failed', { error: err as Error }));
        },
        Math.max(50, leaseMs / 3),
      );
      heartbeat.unref();
      for (let i = 0; i < slots; i++) loops.push(loop());
    },
    async stop(graceMs = 10_000) {
      if (!running) return;
      running = false;
      wake();
      stopListening?.();
      if (cronTimer) clearInterval(cronTimer);
      const finished = Promise.all(loops.splice(0));
      await Promise.race([finished, new Promise((r) => setTimeout(r, graceMs).unref())]);
      if (heartbeat) clearInterval(heartbeat);
      await releaseLeases(db, owner).catch(() => {});
    },
    tickCron,
    abandon() {
      running = false;
      wake();
      stopListening?.();
      if (cronTimer) clearInterval(cronTimer);
      if (heartbeat) clearInterval(heartbeat);
    },
    async idle(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const due = await nextDueInMs(db);
        if (inFlight.size === 0 && (await countRunning(db)) === 0 && (due === null || due > 0)) return;
        if (Date.now() > deadline) throw new Error(`the local runner was still busy after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
  };
}
