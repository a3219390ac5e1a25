// The responsiveness probe of bench:ingest. A child process of its own, so its
// figures are the server's waits, not the benchmark's: every 50 ms it asks
// /api/health, and separately runs a search, each over its own kept-alive
// connection, and reports per
// phase (idle, crawl, …) the waits, errors and connection resets.
import { fork } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import superjson from 'superjson';
import { percentile } from './metrics';

export type WaitStats = { n: number; p50: number; p95: number; max: number; errors: number; resets: number; firstError?: string };
/** A search's wait and when it started (ms since the epoch), to line up with what the server was doing. */
export type TimedWait = { at: number; ms: number };
export type ProbeReport = Record<string, { health: WaitStats; search: WaitStats; searches: TimedWait[] }>;
export type Probe = { phase(name: string): void; stop(): Promise<ProbeReport> };

type Sample = { phase: string; ms: number; at: number };
type Failure = { phase: string; message: string; reset: boolean };

/** Starts the probe against a running server; `phase` labels the samples that start from then on. */
export function startProbe(base: string, apiKey: string, queries: string[], intervalMs = 50): Promise<Probe> {
  const child = fork(fileURLToPath(import.meta.url), ['--probe'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the probe exited (code ${code}) before starting`)));
    // The child says when it listens; a message sent before that would be lost.
    child.once('message', () => {
      child.send({ type: 'start', base, apiKey, queries, intervalMs });
      child.once('message', () => {
        child.removeAllListeners('exit');
        resolve({
          phase: (name) => child.send({ type: 'phase', name }),
          stop: () =>
            new Promise<ProbeReport>((done) => {
              child.once('message', (report) => done(report as ProbeReport));
              child.send({ type: 'stop' });
            }),
        });
      });
    });
  });
}

function stats(samples: Sample[], failures: Failure[], phase: string): WaitStats {
  const ms = samples.filter((s) => s.phase === phase).map((s) => s.ms);
  const failed = failures.filter((f) => f.phase === phase);
  const round = (x: number) => Number(x.toFixed(1));
  return {
    n: ms.length,
    p50: round(percentile(ms, 0.5)),
    p95: round(percentile(ms, 0.95)),
    max: round(ms.length ? Math.max(...ms) : 0),
    errors: failed.length,
    resets: failed.filter((f) => f.reset).length,
    ...(failed[0] ? { firstError: failed[0].message } : {}),
  };
}

function runProbe(opts: { base: string; apiKey: string; queries: string[]; intervalMs: number }) {
  let phase = 'idle';
  const phases = new Set<string>([phase]);
  const samples = { health: [] as Sample[], search: [] as Sample[] };
  const failures = { health: [] as Failure[], search: [] as Failure[] };
  const agents = { health: new http.Agent({ keepAlive: true }), search: new http.Agent({ keepAlive: true }) };
  let q = 0;
  const get = (kind: 'health' | 'search', path: string) => {
    const started = performance.now();
    const startedAt = Date.now();
    const at = phase;
    const done = new Promise<void>((resolve) => {
      const fail = (message: string, reset: boolean) => {
        failures[kind].push({ phase: at, message, reset });
        resolve();
      };
      http
        .get(`${opts.base}${path}`, { agent: agents[kind], headers: { authorization: `Bearer ${opts.apiKey}` } }, (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode === 200) samples[kind].push({ phase: at, ms: performance.now() - started, at: startedAt });
            else fail(`HTTP ${res.statusCode}`, false);
            resolve();
          });
          res.on('error', (err: NodeJS.ErrnoException) => fail(err.message, err.code === 'ECONNRESET'));
        })
        .on('error', (err: NodeJS.ErrnoException) => fail(err.message, err.code === 'ECONNRESET'));
    });
    return done;
  };
  const search = () => {
    const input = { query: opts.queries[q++ % opts.queries.length], mode: 'hybrid', limit: 10, returnMode: 'pages' };
    return `/api/trpc/knowledge.search?input=${encodeURIComponent(JSON.stringify(superjson.serialize(input)))}`;
  };
  // Every 50 ms, but never two of a kind at once: a server that cannot keep up
  // would otherwise be sent more and more work. A late request goes as soon as
  // the one before it is answered, so a freeze shows as one long wait.
  let stopped = false;
  const loop = async (kind: 'health' | 'search', path: () => string) => {
    while (!stopped) {
      const started = performance.now();
      await get(kind, path());
      await new Promise((r) => setTimeout(r, Math.max(0, opts.intervalMs - (performance.now() - started))));
    }
  };
  const loops = [loop('health', () => '/api/health'), new Promise((r) => setTimeout(r, opts.intervalMs / 2)).then(() => loop('search', search))];
  return {
    phase: (name: string) => {
      phase = name;
      phases.add(name);
    },
    stop: async (): Promise<ProbeReport> => {
      stopped = true;
      await Promise.all(loops);
      return Object.fromEntries(
        [...phases].map((p) => [
          p,
          {
            health: stats(samples.health, failures.health, p),
            search: stats(samples.search, failures.search, p),
            searches: samples.search.filter((s) => s.phase === p).map(({ at, ms }) => ({ at, ms })),
          },
        ]),
      );
    },
  };
}

if (process.argv[2] === '--probe' && process.send) {
  let probe: ReturnType<typeof runProbe> | null = null;
  process.on('message', async (m: { type: string; name?: string } & Parameters<typeof runProbe>[0]) => {
    if (m.type === 'start') {
      probe = runProbe(m);
      process.send!('started');
    } else if (m.type === 'phase') probe?.phase(m.name!);
    else if (m.type === 'stop') {
      process.send!((await probe?.stop()) ?? {}, undefined, undefined, () => process.exit(0));
    }
  });
  // Orphaned (the benchmark stopped): nothing to report to.
  process.on('disconnect', () => process.exit(0));
  process.send('ready');
}
