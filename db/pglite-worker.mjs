// The embedded database's thread: owns the process's only PGlite instance and
// answers the main thread's {id, op, …} messages (db/pglite-proxy.ts). PGlite
// runs a statement synchronously in WebAssembly; here a long one (an index
// build, a vacuum, a large import) stops this thread only, not the server's
// HTTP, WebSocket and job runner. Plain JavaScript, so it loads in a Worker
// under tsx, in Next's server and in plain node alike.
import v8 from 'node:v8';
import vm from 'node:vm';
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';

const { dataDir, loadDataDir, settings } = workerData;

/** Open transactions, by the id of the message that began them. */
const txs = new Map();
const listeners = new Map();
const ROLLBACK = Symbol('rollback');

// Parser functions cannot cross threads: the main thread names the type oids
// it parses itself, and those columns come back as the server's text.
const rawParsers = (oids) => (oids?.length ? Object.fromEntries(oids.map((oid) => [oid, (v) => v])) : undefined);
const queryOptions = (o) => (o ? { rowMode: o.rowMode, paramTypes: o.paramTypes, parsers: rawParsers(o.rawOids) } : undefined);

/**
 * What the main thread needs of an error: PostgreSQL's fields (the code drives
 * server/errors.ts). Not the statement or its parameters, which can be
 * megabytes of vectors.
 */
function errorFields(err) {
  const out = { message: err?.message ?? String(err), name: err?.name ?? 'Error' };
  for (const k of ['code', 'severity', 'detail', 'hint', 'position', 'schema', 'table', 'column', 'dataType', 'constraint', 'where', 'routine']) {
    if (err?.[k] !== undefined) out[k] = err[k];
  }
  return out;
}

/** A WebAssembly trap or abort leaves PGlite unusable: every later statement would fail. */
const fatal = (err) => err instanceof WebAssembly.RuntimeError || /^(Aborted|RuntimeError)\b/.test(String(err?.message ?? ''));

/**
 * One full collection of this thread's heap. Opening PGlite, above all
 * creating a data directory (initdb), leaves WebAssembly memories and buffers
 * it no longer uses (up to 128 MB resident, bench/memory.ts); this thread's
 * heap is small, so its next full collection, which frees them, can be hours
 * away. Node exposes gc() only under --expose-gc: the flag is set for a new
 * context, which gets the function, and nothing else changes.
 */
function collectGarbage() {
  try {
    v8.setFlagsFromString('--expose-gc');
    vm.runInNewContext('gc')();
  } catch {
    // Only memory is at stake.
  }
}

let pg;
try {
  pg = await PGlite.create(dataDir ?? undefined, { extensions: { vector }, ...(loadDataDir ? { loadDataDir } : {}) });
  for (const [name, value] of Object.entries(settings ?? {})) await pg.query('select set_config($1, $2, false)', [name, value]);
  collectGarbage();
} catch (err) {
  parentPort.postMessage({ type: 'failed', error: errorFields(err) });
  process.exit(1);
}

const target = (msg) => {
  if (msg.tx == null) return pg;
  const tx = txs.get(msg.tx);
  if (!tx) throw new Error(`Transaction ${msg.tx} is not open`);
  return tx.tx;
};

async function handle(msg) {
  switch (msg.op) {
    case 'query':
      return target(msg).query(msg.sql, msg.params, queryOptions(msg.options));
    case 'exec':
      return target(msg).exec(msg.sql, queryOptions(msg.options));
    case 'begin':
      // PGlite's own transaction() holds its lock until the main thread says how
      // it ends, so no other caller's statement reaches the session meanwhile.
      return new Promise((began, failed) => {
        const rec = { tx: null, end: null, done: null };
        const ended = new Promise((resolve) => {
          rec.end = resolve;
        });
        rec.done = pg
          .transaction(async (tx) => {
            rec.tx = tx;
            txs.set(msg.id, rec);
            began({ tx: msg.id });
            if ((await ended) === ROLLBACK) throw ROLLBACK;
          })
          .catch((err) => {
            if (err !== ROLLBACK) throw err;
          })
          .finally(() => txs.delete(msg.id));
        // BEGIN itself failed; a later failure (COMMIT) reaches 'end'.
        rec.done.catch(failed);
      });
    case 'end': {
      const t = txs.get(msg.tx);
      if (!t) throw new Error(`Transaction ${msg.tx} is not open`);
      t.end(msg.commit ? 'commit' : ROLLBACK);
      await t.done;
      return null;
    }
    case 'listen': {
      if (!listeners.has(msg.channel)) {
        const off = await pg.listen(msg.channel, (payload) => parentPort.postMessage({ type: 'notify', channel: msg.channel, payload }));
        listeners.set(msg.channel, off);
      }
      return null;
    }
    case 'unlisten': {
      const off = listeners.get(msg.channel);
      listeners.delete(msg.channel);
      if (off) await off();
      return null;
    }
    case 'dumpDataDir':
      return pg.dumpDataDir(msg.compression);
    case 'memory':
      // The WebAssembly memory PGlite runs in: it only ever grows, so its size is the worker's high-water mark.
      return { ...process.memoryUsage(), wasmMemory: pg.mod?.wasmMemory?.buffer.byteLength };
    case 'close':
      await pg.close();
      return null;
    default:
      throw new Error(`Unknown operation ${msg.op}`);
  }
}

parentPort.on('message', (msg) => {
  handle(msg).then(
    (result) => parentPort.postMessage({ id: msg.id, ok: true, result }),
    (err) => {
      parentPort.postMessage({ id: msg.id, ok: false, error: errorFields(err) });
      if (fatal(err)) {
        parentPort.postMessage({ type: 'failed', error: errorFields(err) });
        process.exit(1);
      }
    },
  );
});
parentPort.postMessage({ type: 'ready' });
