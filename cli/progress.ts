import readline from 'node:readline';
import cliProgress from 'cli-progress';
import type { RouterOutputs } from '../packages/client/src/router';
import { type JobProgress, jobProgressOf } from '../server/mcp/backend';
import type { Connection } from './connection';
import { describeError } from './describe';
import { CliError } from './errors';
import { formatDuration, type Output } from './output';

type JobView = RouterOutputs['jobs']['get'];

const FINISHED = new Set(['completed', 'failed', 'cancelled']);
/** Plain lines (no terminal) come at most this often, plus one at each change of status and one at the end. */
const LINE_EVERY_MS = 2_000;
/** While a followed job is quiet, its state is read over the API this often: a server gone away is then said, not waited on. */
const CHECK_EVERY_MS = 10_000;
/** Without a terminal, how long an interrupted command waits for "c" or "l" on stdin before leaving the job running. */
const ANSWER_WAIT_MS = 30_000;

const pagesDone = (s: JobProgress) => s.pagesFetched + s.pagesSkipped + s.pagesFailed;
/** The estimate grows as pages are found: never below what is done. */
const pagesTotal = (s: JobProgress) => Math.max(s.pagesDiscovered, pagesDone(s));

/** Pages per second over the last 30 seconds, and the time left at that rate. */
function createMeter() {
  const samples: { at: number; done: number }[] = [];
  return (s: JobProgress) => {
    const now = Date.now();
    samples.push({ at: now, done: pagesDone(s) });
    while (samples.length > 2 && now - samples[0]!.at > 30_000) samples.shift();
    const first = samples[0]!;
    const seconds = (now - first.at) / 1000;
    const rate = seconds >= 1 ? (pagesDone(s) - first.done) / seconds : 0;
    const left = pagesTotal(s) - pagesDone(s);
    return { rate, eta: rate > 0 ? left / rate : left === 0 ? 0 : Number.NaN };
  };
}

const describeCounts = (s: JobProgress) => {
  const extra = [s.pagesSkipped ? `${s.pagesSkipped} skipped` : '', s.pagesFailed ? `${s.pagesFailed} failed` : ''].filter(Boolean).join(', ');
  return `${pagesDone(s)}/${pagesTotal(s)} pages${extra ? ` (${extra})` : ''}, ${s.chunksStored} chunks`;
};

/** A job's progress as people see it: a live bar on a terminal, else a line every few seconds. */
export function createDisplay(label: string, out: Output) {
  const meter = createMeter();
  const started = Date.now();
  let bar: cliProgress.SingleBar | null = null;
  let lastLine = 0;
  let lastStatus = '';
  let paused = false;
  const payload = (s: JobProgress) => {
    const { rate, eta } = meter(s);
    return {
      label,
      status: s.status,
      chunks: s.chunksStored,
      rate: `${rate.toFixed(rate < 10 ? 1 : 0)} pages/s`,
      etaText: FINISHED.has(s.status) ? '0s' : formatDuration(eta),
    };
  };
  return {
    update(s: JobProgress) {
      if (paused) return;
      const data = payload(s);
      if (out.tty) {
        if (!bar) {
          bar = new cliProgress.SingleBar(
            {
              stream: out.progress,
              format: '{label} {status} [{bar}] {value}/{total} pages | {chunks} chunks | {rate} | ETA {etaText}',
              barsize: 24,
              hideCursor: true,
              fps: 8,
              // The estimate grows while pages are found: the bar goes on past a total it once had.
              autopadding: true,
            },
            cliProgress.Presets.shades_classic,
          );
          bar.start(Math.max(1, pagesTotal(s)), pagesDone(s), data);
        } else {
          bar.setTotal(Math.max(1, pagesTotal(s)));
          bar.update(pagesDone(s), data);
        }
        return;
      }
      const now = Date.now();
      // The end gets its own line (finish).
      if (FINISHED.has(s.status) || (s.status === lastStatus && now - lastLine < LINE_EVERY_MS)) return;
      lastLine = now;
      lastStatus = s.status;
      out.progress.write(`${label} ${s.status}: ${describeCounts(s)}, ${data.rate}, ETA ${data.etaText}\n`);
    },
    /** Stops drawing (a question is asked meanwhile). */
    pause() {
      paused = true;
      bar?.stop();
      bar = null;
    },
    resume() {
      paused = false;
    },
    /** The final line: what was done, how long it took, or why it failed. */
    finish(s: JobProgress) {
      bar?.stop();
      bar = null;
      const took = formatDuration((Date.now() - started) / 1000);
      const why = s.error ? `: ${s.error}` : '';
      out.progress.write(`${label} ${s.status}${why}. ${describeCounts(s)} in ${took}.\n`);
    },
  };
}

export type Followed = { job: JobView; outcome: 'finished' | 'cancelled' | 'left' };

/**
 * Follows a job to its end with a progress display: its status and progress
 * events over the API's subscription (from its first, so nothing is missed),
 * its state read again whenever it is quiet for a while. With
 * `interrupt: 'ask'`, Ctrl-C asks whether to cancel the job or leave it
 * running; a second Ctrl-C leaves it.
 */
export async function followJob(conn: Connection, jobId: string, opts: { label: string; out: Output; interrupt?: 'ask' }): Promise<Followed> {
  const { api } = conn;
  const fail = (err: unknown) => describeError(err, { where: conn.where, mode: conn.mode });
  const first = await api.jobs.get.query({ id: jobId }).catch((err: unknown) => {
    throw fail(err);
  });
  const display = createDisplay(opts.label, opts.out);
  let state = jobProgressOf(first);
  // Otherwise the event stream replays the job from its first event, in order.
  if (FINISHED.has(state.status)) {
    display.finish(state);
    return { job: first, outcome: 'finished' };
  }

  let settle!: (outcome: Followed['outcome']) => void;
  let reject!: (err: unknown) => void;
  const ended = new Promise<Followed['outcome']>((res, rej) => {
    settle = res;
    reject = rej;
  });
  let quietSince = Date.now();
  const seen = (next: JobProgress) => {
    state = next;
    quietSince = Date.now();
    display.update(state);
    if (FINISHED.has(state.status)) settle('finished');
  };
  const subscription = api.jobs.onProgress.subscribe(
    { jobId },
    {
      onData: ({ data: event }) => {
        if (event.kind === 'status' || event.kind === 'progress') seen(jobProgressOf(event.payload as Parameters<typeof jobProgressOf>[0]));
      },
      onError: (err) => reject(fail(err)),
    },
  );
  // The WebSocket reconnects on its own, forever: a read over HTTP is what notices a server that is gone.
  const checker = setInterval(() => {
    if (Date.now() - quietSince < CHECK_EVERY_MS) return;
    quietSince = Date.now();
    api.jobs.get.query({ id: jobId }, { signal: AbortSignal.timeout(CHECK_EVERY_MS) }).then(
      (job) => FINISHED.has(job.status) && seen(jobProgressOf(job)),
      (err: unknown) => {
        const why = fail(err).message;
        reject(
          new CliError(
            `Lost Archon while following job ${jobId}: ${why}. The job may still be running there: archon jobs watch ${jobId}`,
            'UNREACHABLE',
          ),
        );
      },
    );
  }, 1_000);

  let asking = false;
  const onInterrupt = () => {
    if (asking) return settle('left');
    if (opts.interrupt !== 'ask') return settle('left');
    asking = true;
    display.pause();
    void askCancelOrLeave(jobId, opts.out).then(async (answer) => {
      if (answer === 'cancel') {
        await api.jobs.cancel.mutate({ id: jobId }).then(
          () => settle('cancelled'),
          (err: unknown) => {
            // It ended meanwhile (CONFLICT): nothing to cancel, and nothing lost.
            const e = fail(err);
            if ((e as CliError).code === 'CONFLICT') settle('finished');
            else reject(e);
          },
        );
      } else settle('left');
    });
  };
  process.on('SIGINT', onInterrupt);
  try {
    const outcome = await ended;
    const job = await api.jobs.get.query({ id: jobId }).catch(() => ({ ...first, ...state }) as JobView);
    if (outcome === 'left') {
      display.pause();
      const goesOn =
        conn.mode === 'remote' ? 'It goes on in Archon' : 'It goes on when Archon next runs on this database (npm start, or archon start)';
      opts.out.say(
        `Left job ${jobId} running. ${goesOn}: follow it with \`archon jobs watch ${jobId}\`, stop it with \`archon jobs cancel ${jobId}\`.`,
      );
    } else {
      display.finish(jobProgressOf(job));
    }
    return { job, outcome };
  } catch (err) {
    display.pause();
    throw err;
  } finally {
    process.off('SIGINT', onInterrupt);
    clearInterval(checker);
    subscription.unsubscribe();
  }
}

/**
 * Asks on stderr, reading the answer from stdin: "c" cancels the job,
 * anything else (or Enter, or no answer) leaves it running. Without a
 * terminal the answer may still come from a pipe, for scripts and tests.
 */
async function askCancelOrLeave(jobId: string, out: Output): Promise<'cancel' | 'leave'> {
  if (process.stdin.destroyed || process.stdin.readableEnded) return 'leave';
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr, terminal: Boolean(process.stdin.isTTY) });
  const answer = await new Promise<string>((resolve) => {
    const timer = process.stdin.isTTY ? undefined : setTimeout(() => resolve(''), ANSWER_WAIT_MS);
    rl.on('SIGINT', () => resolve(''));
    rl.on('close', () => resolve(''));
    rl.question(`\nInterrupted. Cancel job ${jobId} (c), or leave it running (l)? [l] `, (a) => {
      clearTimeout(timer);
      resolve(a);
    });
  });
  rl.close();
  if (!out.tty) process.stderr.write('\n');
  return /^\s*c/i.test(answer) ? 'cancel' : 'leave';
}
