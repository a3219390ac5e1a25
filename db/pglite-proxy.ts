import path from 'node:path';
import { Worker } from 'node:worker_threads';

/**
 * The embedded database, seen from the main thread. PGlite runs each statement
 * synchronously in WebAssembly: in the server's own thread an index build or a
 * vacuum stopped HTTP, WebSocket and the job runner for its whole length. So
 * PGlite lives in a worker thread (db/pglite-worker.mjs), and this class
 * forwards to it the part of PGlite's interface that drizzle-orm/pglite and
 * Archon use: query, exec, transaction, listen, dumpDataDir, close.
 *
 * Transactions keep PGlite's semantics: the worker runs PGlite's own
 * transaction(), which holds the session until the main thread ends it, so no
 * other caller's statement runs in between (they wait, as in-thread). Errors
 * keep PostgreSQL's fields (code, constraint, detail), which server/errors.ts
 * maps. Values cross as structured clones (Date, bigint, Uint8Array, Blob);
 * parser functions cannot cross, so the worker leaves the columns a caller
 * parses itself as text and they are parsed here.
 *
 * If the worker dies, every statement in flight fails with a clear error
 * (code 57P01, as a server's backend terminated under it), and a worker on a
 * data directory is started again on the same directory, up to three times in
 * a minute: PostgreSQL's recovery brings the files back to the last commit, as
 * after a server crash. An in-memory database cannot come back: it stays
 * failed, and every later call says so.
 */

type Row = Record<string, unknown> | unknown[];
type Field = { name: string; dataTypeID: number };
export type Results<T = Row> = { rows: T[]; fields: Field[]; affectedRows?: number };
type Parser = (value: string, typeId?: number) => unknown;
export type QueryOptions = {
  rowMode?: 'object' | 'array';
  parsers?: Record<number | string, Parser>;
  paramTypes?: number[];
  serializers?: unknown;
};

export type Transaction = {
  query<T = Row>(sql: string, params?: unknown[], options?: QueryOptions): Promise<Results<T>>;
  exec(sql: string, options?: QueryOptions): Promise<Results[]>;
  rollback(): Promise<void>;
  readonly closed: boolean;
};

/** A database error from the worker, with PostgreSQL's fields kept. */
export class WorkerDatabaseError extends Error {
  code?: string;
  detail?: string;
  constraint?: string;
  constructor(fields: Record<string, unknown>) {
    super(String(fields.message));
    Object.assign(this, fields);
    this.name = fields.code ? 'DatabaseError' : String(fields.name ?? 'Error');
  }
}

/** The worker is gone: the statement did not complete. */
export class DatabaseWorkerStopped extends Error {
  override name = 'DatabaseWorkerStopped';
  readonly code = '57P01';
}

export type ProxyOptions = {
  /** PGlite's directory; absent, the database is in memory (and lost if the worker dies). */
  dataDir?: string;
  /** A data directory dump (PGlite's dumpDataDir) to start an in-memory database from. */
  loadDataDir?: Blob;
  /** Session settings, applied with set_config on the worker's only session. */
  settings?: Record<string, string>;
  /** Told when the worker stops and when it is started again. */
  onEvent?: (message: string) => void;
  /** The worker script (tests); by default db/pglite-worker.mjs under the working directory. */
  workerPath?: string;
};

type Pending = { resolve: (v: unknown) => void; reject: (e: unknown) => void; epoch: number };

const RESTARTS = 3;
const RESTART_WINDOW_MS = 60_000;

// Resolved at run time, like the migrations folder: code bundled by Next would
// have a rewritten import.meta.url.
export const WORKER_PATH = path.resolve(process.cwd(), 'db', 'pglite-worker.mjs');

export class PGliteProxy {
  #opts: ProxyOptions;
  #worker!: Worker;
  /** Which worker this is; a transaction is valid only in the worker that began it. */
  #epoch = 0;
  #next = 1;
  #pending = new Map<number, Pending>();
  #listeners = new Map<string, Set<(payload: string) => void>>();
  #closing = false;
  #failed: Error | null = null;
  #restarts: number[] = [];

  private constructor(opts: ProxyOptions) {
    this.#opts = opts;
  }

  static async create(opts: ProxyOptions = {}): Promise<PGliteProxy> {
    const proxy = new PGliteProxy(opts);
    await proxy.#start();
    return proxy;
  }

  /** Starts a worker and resolves once its database is open. */
  #start(): Promise<void> {
    const epoch = ++this.#epoch;
    // Not `new Worker(…)`: Next's bundler follows that call's path, cannot know
    // it at build time, traces the whole project and fails the build.
    const worker: Worker = Reflect.construct(Worker, [
      this.#opts.workerPath ?? WORKER_PATH,
      {
        workerData: { dataDir: this.#opts.dataDir, loadDataDir: this.#opts.loadDataDir, settings: this.#opts.settings },
        // Plain JavaScript: no loader (tsx) or vitest hooks to load in the thread.
        execArgv: [],
        stdout: false,
        stderr: false,
      },
    ]);
    this.#worker = worker;
    // Idle, the worker does not keep the process alive (in-thread PGlite did not either); a statement in flight does.
    worker.unref();
    let opened = false;
    let lastError: Record<string, unknown> | null = null;
    const ready = new Promise<void>((resolve, reject) => {
      worker.on('message', (m: { type?: string; id?: number; ok?: boolean; result?: unknown; error?: Record<string, unknown> }) => {
        if (m.type === 'ready') {
          opened = true;
          return resolve();
        }
        if (m.type === 'failed') {
          lastError = m.error ?? null;
          return;
        }
        if (m.type === 'notify') {
          const { channel, payload } = m as unknown as { channel: string; payload: string };
          for (const cb of this.#listeners.get(channel) ?? []) queueMicrotask(() => cb(payload));
          return;
        }
        const p = this.#pending.get(m.id!);
        if (!p) return;
        this.#settle(m.id!);
        if (m.ok) p.resolve(m.result);
        else p.reject(new WorkerDatabaseError(m.error!));
      });
      worker.on('error', (err) => {
        lastError = { message: err.message, name: err.name };
      });
      worker.on('exit', (code) => {
        if (this.#worker !== worker) return;
        const reason = lastError ? String(lastError.message) : `exit code ${code}`;
        if (!opened) {
          reject(new WorkerDatabaseError({ ...(lastError ?? {}), message: `The embedded database could not be opened: ${reason}` }));
          return;
        }
        this.#lost(epoch, reason);
      });
    });
    return ready;
  }

  /** The worker died under us: fail what was in flight, then start a new one or stay failed. */
  #lost(epoch: number, reason: string): void {
    const closing = this.#closing;
    const err = new DatabaseWorkerStopped(
      closing ? 'The embedded database was closed' : `The embedded database stopped (${reason}); the statement did not complete`,
    );
    for (const [id, p] of this.#pending) {
      if (p.epoch !== epoch) continue;
      this.#settle(id);
      p.reject(err);
    }
    if (closing || this.#failed) return;
    const now = Date.now();
    this.#restarts = this.#restarts.filter((t) => now - t < RESTART_WINDOW_MS);
    if (!this.#opts.dataDir || this.#restarts.length >= RESTARTS) {
      this.#failed = new DatabaseWorkerStopped(
        `The embedded database stopped (${reason}) and ${this.#opts.dataDir ? `failed ${RESTARTS} times in a minute` : 'was in memory, so its data is gone'}. ` +
          'Restart Archon.',
      );
      this.#opts.onEvent?.(this.#failed.message);
      for (const [id, p] of this.#pending) {
        this.#settle(id);
        p.reject(this.#failed);
      }
      return;
    }
    this.#restarts.push(now);
    this.#opts.onEvent?.(`The embedded database stopped (${reason}); starting it again on ${this.#opts.dataDir}`);
    const channels = [...this.#listeners.keys()];
    this.#start().then(
      () => {
        for (const channel of channels) void this.#call('listen', { channel }).catch(() => {});
        this.#opts.onEvent?.('The embedded database is running again');
      },
      (startErr: Error) => this.#lost(this.#epoch, startErr.message),
    );
  }

  #settle(id: number): void {
    this.#pending.delete(id);
    if (this.#pending.size === 0) this.#worker.unref();
  }

  get closed(): boolean {
    return this.#closing || this.#failed !== null;
  }

  #call<T>(op: string, payload: Record<string, unknown> = {}, epoch = this.#epoch): Promise<T> {
    if (this.#failed) return Promise.reject(this.#failed);
    if (this.#closing && op !== 'close') return Promise.reject(new DatabaseWorkerStopped('The embedded database is closed'));
    if (epoch !== this.#epoch) return Promise.reject(new DatabaseWorkerStopped('The embedded database restarted; the transaction was rolled back'));
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      if (this.#pending.size === 0) this.#worker.ref();
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject, epoch });
      this.#worker.postMessage({ id, op, ...payload });
    });
  }

  /** Re-applies the caller's parser functions to the columns the worker left as text. */
  static #parse<T>(result: Results<Row>, options?: QueryOptions): Results<T> {
    const parsers = options?.parsers;
    if (!parsers) return result as Results<T>;
    const cols = result.fields.flatMap((f, i) => (parsers[f.dataTypeID] ? [[i, f, parsers[f.dataTypeID]!] as const] : []));
    if (cols.length === 0) return result as Results<T>;
    const arrays = options?.rowMode === 'array';
    for (const row of result.rows as Record<string | number, unknown>[]) {
      for (const [i, f, parse] of cols) {
        const key = arrays ? i : f.name;
        const v = row[key];
        if (v !== null && v !== undefined) row[key] = parse(v as string, f.dataTypeID);
      }
    }
    return result as Results<T>;
  }

  static #wire(options?: QueryOptions) {
    if (!options) return undefined;
    if (options.serializers) throw new Error('Custom serializers cannot cross to the database worker');
    return {
      rowMode: options.rowMode,
      paramTypes: options.paramTypes,
      rawOids: options.parsers ? Object.keys(options.parsers).map(Number) : undefined,
    };
  }

  async #query<T>(sql: string, params: unknown[] | undefined, options: QueryOptions | undefined, tx?: { id: number; epoch: number }) {
    const r = await this.#call<Results<Row>>('query', { sql, params, options: PGliteProxy.#wire(options), tx: tx?.id }, tx?.epoch);
    return PGliteProxy.#parse<T>(r, options);
  }

  async #exec(sql: string, options: QueryOptions | undefined, tx?: { id: number; epoch: number }) {
    const rs = await this.#call<Results<Row>[]>('exec', { sql, options: PGliteProxy.#wire(options), tx: tx?.id }, tx?.epoch);
    return rs.map((r) => PGliteProxy.#parse<Row>(r, options));
  }

  query<T = Row>(sql: string, params?: unknown[], options?: QueryOptions): Promise<Results<T>> {
    return this.#query<T>(sql, params, options);
  }

  exec(sql: string, options?: QueryOptions): Promise<Results[]> {
    return this.#exec(sql, options);
  }

  /** PGlite.transaction's contract: COMMIT when `fn` resolves, ROLLBACK when it throws or calls rollback(). */
  async transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    const epoch = this.#epoch;
    const { tx: id } = await this.#call<{ tx: number }>('begin');
    const ref = { id, epoch };
    let closed = false;
    const open = () => {
      if (closed) throw new Error('Transaction is closed');
    };
    const end = (commit: boolean) => {
      closed = true;
      return this.#call('end', { tx: id, commit }, epoch);
    };
    const tx: Transaction = {
      query: (sql, params, options) => {
        open();
        return this.#query(sql, params, options, ref);
      },
      exec: (sql, options) => {
        open();
        return this.#exec(sql, options, ref);
      },
      rollback: async () => {
        open();
        await end(false);
      },
      get closed() {
        return closed;
      },
    };
    let result: T;
    try {
      result = await fn(tx);
    } catch (err) {
      if (!closed) await end(false).catch(() => {});
      throw err;
    }
    if (!closed) await end(true);
    return result;
  }

  async listen(channel: string, callback: (payload: string) => void): Promise<() => Promise<void>> {
    let set = this.#listeners.get(channel);
    if (!set) {
      set = new Set();
      this.#listeners.set(channel, set);
      try {
        await this.#call('listen', { channel });
      } catch (err) {
        this.#listeners.delete(channel);
        throw err;
      }
    }
    set.add(callback);
    const mine = set;
    return async () => {
      mine.delete(callback);
      if (mine.size === 0 && this.#listeners.get(channel) === mine) {
        this.#listeners.delete(channel);
        if (!this.closed) await this.#call('unlisten', { channel });
      }
    };
  }

  dumpDataDir(compression?: 'none' | 'gzip' | 'auto'): Promise<Blob> {
    return this.#call('dumpDataDir', { compression });
  }

  /** The worker's process.memoryUsage() (heap figures are its isolate's, rss the process's) and PGlite's WebAssembly memory, in bytes. */
  workerMemory(): Promise<NodeJS.MemoryUsage & { wasmMemory?: number }> {
    return this.#call('memory');
  }

  /** Tests: stops the worker thread at once, whatever it is running, as a WebAssembly abort would. */
  async crashForTest(): Promise<void> {
    await this.#worker.terminate();
  }

  /** Closes PGlite (its files are then consistent) and stops the worker. */
  async close(): Promise<void> {
    if (this.#closing) return;
    if (this.#failed) {
      this.#closing = true;
      await this.#worker.terminate();
      return;
    }
    try {
      await this.#call('close');
    } finally {
      this.#closing = true;
      await this.#worker.terminate();
    }
  }
}
