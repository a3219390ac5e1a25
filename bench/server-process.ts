// Archon's real server as a benchmark drives it: its own process, started as
// `npm start` starts it (the Next.js build, the custom server, the local
// runner), talked to through its public API with an API key.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import superjson from 'superjson';
import { startCommand as serverStartCommand } from '../server/start-command';

/** The owner's API key every benchmark server starts with (ARCHON_OWNER_API_KEY). */
export const BENCH_KEY = `ak_0000000000be_${'b'.repeat(43)}`;

export type LoopDelay = { p50: number; p99: number; max: number };

/** bench/memory-probe.mjs's answer, figures in MB. */
export type MemoryBreakdown = {
  rssMb: number;
  heapTotalMb: number;
  heapUsedMb: number;
  externalMb: number;
  arrayBuffersMb: number;
  heapLimitMb: number;
  mallocedMb: number;
  spaces: Record<string, number>;
  smaps: Record<string, unknown>;
  when?: string;
};
export type MemoryReport = {
  now: MemoryBreakdown;
  peak: MemoryBreakdown | null;
  worker?: { heapUsedMb?: number; externalMb?: number; arrayBuffersMb?: number; wasmMemoryMb?: number; busy?: boolean };
};

/** package.json's start command (server/start-command.ts); BENCH_NODE_FLAGS and BENCH_NODE_ENV replace its flags or environment, for comparisons. */
export function startCommand(): { env: Record<string, string>; flags: string[] } {
  const start = serverStartCommand();
  const words = (s: string) => s.split(/\s+/).filter(Boolean);
  return {
    env:
      process.env.BENCH_NODE_ENV === undefined
        ? start.env
        : Object.fromEntries(words(process.env.BENCH_NODE_ENV).map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)])),
    flags: process.env.BENCH_NODE_FLAGS === undefined ? start.flags : words(process.env.BENCH_NODE_FLAGS),
  };
}

export type BenchServer = {
  url: string;
  pid: number;
  proc: ChildProcess;
  /** A tRPC query (GET) or mutation (POST), its result decoded. */
  query<T>(procedure: string, input?: unknown): Promise<T>;
  mutate<T>(procedure: string, input: unknown): Promise<T>;
  /** The process's resident set now, and its peak since it was ready (VmHWM), in MB. */
  memory(): { rssMb: number; peakMb: number };
  /**
   * The peak before it was ready, in MB: starting up (on a new data directory,
   * initdb and the first migrations), which `memory().peakMb` leaves out so
   * that it says what a crawl or a search costs.
   */
  startPeakMb: number;
  /** CPU seconds the process has used so far, all its threads (the database worker included). */
  cpuSeconds(): number;
  /** How late the server's event loop ran since the last call (bench/loop-delay.mjs), in ms; resets it. */
  loopDelay(): Promise<LoopDelay>;
  /** Where the resident memory is now, and where it was at the highest RSS so far (bench/memory-probe.mjs); resetPeak starts a new peak. */
  memoryBreakdown(resetPeak?: boolean): Promise<MemoryReport>;
  /** Writes a V8 heap snapshot of the server's main thread to `file` (blocks the server while it writes). */
  heapSnapshot(file: string): Promise<string>;
  stop(): Promise<void>;
};

const status = (pid: number, field: string) => {
  let text = '';
  try {
    text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return 0; // gone
  }
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
  return m ? Math.round(Number(m[1]) / 1024) : 0;
};

/** utime + stime from /proc/<pid>/stat, in seconds (clock ticks are 100 a second on Linux). */
const cpuSeconds = (pid: number) => {
  try {
    // The command name (field 2) may hold spaces; the fields after its closing parenthesis are fixed.
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0; // gone
  }
};

export async function startBenchServer(env: Record<string, string>): Promise<BenchServer> {
  if (!fs.existsSync('.next/BUILD_ID')) throw new Error('No Next.js build: run `node scripts/ensure-build.mjs` (or npm start once) first');
  const start = startCommand();
  const preload = ['--import', './bench/loop-delay.mjs', '--import', './bench/memory-probe.mjs'];
  const proc = spawn(process.execPath, [...start.flags, ...preload, '--import', 'tsx', 'server/index.ts'], {
    env: {
      ...start.env,
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      NEXT_TELEMETRY_DISABLED: '1',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      ARCHON_RUNNER: 'local',
      ARCHON_OWNER_EMAIL: 'bench@archon.local',
      ARCHON_OWNER_PASSWORD: 'benchmark pass phrase',
      ARCHON_OWNER_API_KEY: BENCH_KEY,
      // The rate limits must not shape the measurement.
      RATE_LIMIT_SEARCH_PER_MINUTE: '1000000',
      RATE_LIMIT_CRAWL_PER_MINUTE: '1000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  let asked = 0;
  /** One question to a preloaded probe over IPC, and its answer. */
  const ask = <T>(type: string, extra: Record<string, unknown> = {}) =>
    new Promise<T>((resolve, reject) => {
      const id = ++asked;
      const onMessage = (m: { type?: string; id?: number }) => {
        if (m?.type !== type || m.id !== id) return;
        proc.off('message', onMessage);
        resolve(m as T);
      };
      proc.on('message', onMessage);
      proc.send({ type, id, ...extra }, (err) => err && reject(err));
    });
  const loopDelay = () => ask<{ report: LoopDelay }>('loop-delay').then((m) => m.report);
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /is ready at (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    proc.once('exit', (code) => reject(new Error(`the server exited with code ${code} before it was ready:\n${out}`)));
  });
  proc.stdout!.resume();
  const startPeakMb = status(proc.pid!, 'VmHWM');
  // Writing 5 to clear_refs resets VmHWM to the current RSS (Linux 4.0+).
  fs.writeFileSync(`/proc/${proc.pid}/clear_refs`, '5');
  const agent = new http.Agent({ keepAlive: true });
  const request = <T>(method: 'GET' | 'POST', procedure: string, input: unknown) =>
    new Promise<T>((resolve, reject) => {
      const encoded = input === undefined ? undefined : JSON.stringify(superjson.serialize(input));
      const path = `/api/trpc/${procedure}${method === 'GET' && encoded ? `?input=${encodeURIComponent(encoded)}` : ''}`;
      const req = http.request(
        `${url}${path}`,
        { method, agent, headers: { authorization: `Bearer ${BENCH_KEY}`, 'content-type': 'application/json' } },
        (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => {
            if (res.statusCode !== 200) return reject(new Error(`${procedure}: HTTP ${res.statusCode}: ${body.slice(0, 300)}`));
            resolve(superjson.deserialize((JSON.parse(body) as { result: { data: never } }).result.data) as T);
          });
        },
      );
      req.on('error', reject);
      req.end(method === 'POST' ? encoded : undefined);
    });
  return {
    url,
    pid: proc.pid!,
    proc,
    query: (procedure, input) => request('GET', procedure, input),
    mutate: (procedure, input) => request('POST', procedure, input),
    startPeakMb,
    memory: () => ({ rssMb: status(proc.pid!, 'VmRSS'), peakMb: status(proc.pid!, 'VmHWM') }),
    cpuSeconds: () => cpuSeconds(proc.pid!),
    loopDelay,
    memoryBreakdown: (resetPeak = false) => ask<{ report: MemoryReport }>('memory', { resetPeak }).then((m) => m.report),
    heapSnapshot: (file) => ask<{ file: string }>('heap-snapshot', { path: file }).then((m) => m.file),
    stop: async () => {
      agent.destroy();
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    },
  };
}
