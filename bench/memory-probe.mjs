// Preloaded into the benchmark's server (`node --import ./bench/memory-probe.mjs`):
// says where the server's resident memory is, on the benchmark's asking, over
// the IPC channel. RSS alone does not say whether V8's heap, buffers outside
// it (Buffers, ArrayBuffers), the embedded database's WebAssembly memory or
// malloc's arenas grew; this does. It also keeps the breakdown taken when RSS
// was highest, since a peak between two of the benchmark's questions would be
// missed. Plain JavaScript: it loads before tsx.
import fs from 'node:fs';
import v8 from 'node:v8';

const MB = 1024 * 1024;
const mb = (bytes) => Math.round(bytes / MB);

/** VmRSS from /proc/self/status, in bytes: cheap enough to read every few tens of ms. */
const rssNow = () => {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
};

/**
 * Resident memory by kind of mapping, in MB, from /proc/self/smaps: anonymous
 * (V8's heaps, WebAssembly memories, malloc's arenas, Buffers), malloc's main
 * heap, files (node's own code), stacks. The largest anonymous mappings are
 * listed: PGlite's WebAssembly memory is one mapping of its current size
 * (the worker reports that size), malloc's thread arenas are 64 MB each.
 */
function smaps() {
  const out = { anon: 0, heap: 0, file: 0, stack: 0, other: 0, largestAnon: [] };
  let text = '';
  try {
    text = fs.readFileSync('/proc/self/smaps', 'utf8');
  } catch {
    return out;
  }
  const anon = [];
  let cur = null;
  const flush = () => {
    if (!cur) return;
    const name = cur.name;
    if (!name) {
      out.anon += cur.rss;
      anon.push(cur);
    } else if (name === '[heap]') out.heap += cur.rss;
    else if (name.startsWith('[stack')) out.stack += cur.rss;
    else if (name.startsWith('/')) out.file += cur.rss;
    else out.other += cur.rss;
  };
  for (const line of text.split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      flush();
      cur = { size: Number(BigInt(`0x${head[2]}`) - BigInt(`0x${head[1]}`)), rss: 0, name: head[3] };
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss && cur) cur.rss = Number(rss[1]) * 1024;
  }
  flush();
  out.largestAnon = anon
    .sort((a, b) => b.rss - a.rss)
    .slice(0, 6)
    .map((m) => ({ rssMb: mb(m.rss), sizeMb: mb(m.size) }));
  for (const k of ['anon', 'heap', 'file', 'stack', 'other']) out[k] = mb(out[k]);
  return out;
}

/** The embedded database's worker, when there is one: its heap and its WebAssembly memory. */
async function worker() {
  const rt = globalThis[Symbol.for('archon.runtime.settled')];
  const client = rt?.database?.db?.$client;
  if (typeof client?.workerMemory !== 'function') return undefined;
  const answer = await Promise.race([client.workerMemory(), new Promise((r) => setTimeout(() => r(null), 2000))]);
  if (!answer) return { busy: true }; // a long statement holds the worker
  return {
    heapUsedMb: mb(answer.heapUsed),
    externalMb: mb(answer.external),
    arrayBuffersMb: mb(answer.arrayBuffers),
    ...(answer.wasmMemory !== undefined ? { wasmMemoryMb: mb(answer.wasmMemory) } : {}),
  };
}

function breakdown() {
  const m = process.memoryUsage();
  const spaces = Object.fromEntries(
    v8
      .getHeapSpaceStatistics()
      .filter((s) => s.space_used_size > MB)
      .map((s) => [s.space_name.replace(/_space$/, ''), mb(s.space_used_size)]),
  );
  const h = v8.getHeapStatistics();
  return {
    rssMb: mb(m.rss),
    heapTotalMb: mb(m.heapTotal),
    heapUsedMb: mb(m.heapUsed),
    externalMb: mb(m.external),
    arrayBuffersMb: mb(m.arrayBuffers),
    heapLimitMb: mb(h.heap_size_limit),
    mallocedMb: mb(h.malloced_memory),
    spaces,
    smaps: smaps(),
  };
}

/**
 * How long the embedded database's worker went without answering: it is asked
 * for its memory every 100 ms, and a statement running in WebAssembly holds
 * the answer until it ends, so the longest wait is the longest statement (on
 * the manual, the bulk index build at the end of a crawl) — the time every
 * other caller of the one backend waited behind it. Also the largest
 * WebAssembly memory seen.
 */
const stalls = { longestMs: 0, over1s: 0, wasmMaxMb: 0 };
function watchWorker() {
  const tick = async () => {
    const client = globalThis[Symbol.for('archon.runtime.settled')]?.database?.db?.$client;
    if (typeof client?.workerMemory === 'function') {
      const t = performance.now();
      const answer = await client.workerMemory().catch(() => null);
      const ms = performance.now() - t;
      stalls.longestMs = Math.max(stalls.longestMs, Math.round(ms));
      if (ms > 1000) stalls.over1s++;
      if (answer?.wasmMemory) stalls.wasmMaxMb = Math.max(stalls.wasmMaxMb, mb(answer.wasmMemory));
    }
    setTimeout(tick, 100).unref();
  };
  setTimeout(tick, 100).unref();
}

if (process.send) {
  watchWorker();
  let peak = { rss: 0, at: null };
  const timer = setInterval(() => {
    const rss = rssNow();
    // A new peak by more than 4 MB: the full breakdown then (smaps costs a few ms).
    if (rss > peak.rss + 4 * MB) peak = { rss, at: { ...breakdown(), when: new Date().toISOString() } };
  }, 50);
  timer.unref();
  process.on('message', (m) => {
    if (m?.type === 'memory') {
      void (async () => {
        const report = { now: breakdown(), peak: peak.at, worker: await worker().catch(() => undefined), workerStalls: { ...stalls } };
        if (m.resetPeak) {
          peak = { rss: 0, at: null };
          Object.assign(stalls, { longestMs: 0, over1s: 0 });
        }
        process.send({ type: 'memory', id: m.id, report });
      })();
    } else if (m?.type === 'heap-snapshot') {
      const file = v8.writeHeapSnapshot(m.path);
      process.send({ type: 'heap-snapshot', id: m.id, file });
    }
  });
  process.channel?.unref();
}
