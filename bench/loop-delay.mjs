// Preloaded into the benchmark's server (`node --import ./bench/loop-delay.mjs`):
// measures how late the server's event loop runs, the delay every request,
// WebSocket message and job step waits on top of its own work, and answers
// the benchmark over the IPC channel. Plain JavaScript: it loads before tsx.
import { monitorEventLoopDelay } from 'node:perf_hooks';

if (process.send) {
  // 10 ms resolution: the histogram's first sample only sets its baseline, so it starts now, well before any phase.
  const RESOLUTION_MS = 10;
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  // The histogram holds whole intervals between samples; the delay is what exceeds the resolution.
  const ms = (ns) => Number(Math.max(0, ns / 1e6 - RESOLUTION_MS).toFixed(1));
  process.on('message', (m) => {
    if (m?.type !== 'loop-delay') return;
    const report = {
      p50: ms(histogram.percentile(50)),
      p99: ms(histogram.percentile(99)),
      max: ms(histogram.max),
    };
    // A phase's figures are its own: the next phase starts from zero.
    histogram.reset();
    process.send({ type: 'loop-delay', id: m.id, report });
  });
  // The channel must not keep the server alive, or hold up its shutdown.
  process.channel?.unref();
}
