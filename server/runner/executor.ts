import type { Database } from '../../db/types';
import type { Logger } from '../logger';
import { buildCallRequest, type MemoEntry, type Op, parseDuration, readOutcome } from './protocol';
import type { RegisteredFunction } from './registry';
import { type ClaimedRun, finishRun, reschedule, saveProgress } from './store';

export type ServeHandler = (req: Request) => Promise<Response>;

export type ExecutorDeps = {
  db: Database;
  handler: ServeHandler;
  owner: string;
  logger: Logger;
  retryDelayMs: (attempt: number) => number;
  /** Called when a run fails for good, so `onFailure` handlers can run. */
  onFailed: (run: ClaimedRun, error: unknown) => Promise<void>;
};

const UNSUPPORTED = 'is not supported by the local runner; set INNGEST_BASE_URL (or INNGEST_DEV) to use an Inngest server';
// A run that keeps producing steps forever is a bug; Inngest caps runs at 1000 steps.
const MAX_CALLS = 5000;

const errorOf = (value: unknown) => (value && typeof value === 'object' ? value : { name: 'Error', message: String(value ?? 'unknown error') });

/**
 * Drives one claimed run through the SDK's serve handler until it completes,
 * fails, or has to wait (sleep, step retry, run retry). Progress is saved after
 * every call, so a crash repeats at most the step that was running.
 */
export async function driveRun(fn: RegisteredFunction, run: ClaimedRun, deps: ExecutorDeps): Promise<void> {
  const { db, owner } = deps;
  const steps: Record<string, MemoEntry> = { ...run.steps };
  const stack = [...run.stack];
  let attempt = run.attempt;
  let disableImmediate = false;
  const planned: string[] = [];
  const progress = () => ({ steps, stack, attempt });
  const fail = async (error: unknown) => {
    if (await finishRun(db, run.id, owner, { status: 'failed', error: errorOf(error) })) await deps.onFailed(run, errorOf(error));
  };
  const retryLater = (retryAfterMs: number | null) =>
    reschedule(db, run.id, owner, progress(), new Date(Date.now() + (retryAfterMs ?? deps.retryDelayMs(attempt))));

  // Only runs taken over from a process that stopped mid-step get here: the SDK counts down to StepFailed itself.
  if (run.interrupted && attempt >= fn.maxAttempts) {
    return fail({
      name: 'Error',
      message: `Gave up after ${attempt} attempts: the last ended when the process running it stopped before its step finished (a crash, or a step that never returns)`,
    });
  }

  for (let call = 0; call < MAX_CALLS; call++) {
    const stepId = planned.shift() ?? 'step';
    const request = buildCallRequest(fn.id, stepId, {
      event: run.event,
      events: [run.event],
      steps,
      ctx: {
        run_id: run.id,
        attempt,
        max_attempts: fn.maxAttempts,
        disable_immediate_execution: disableImmediate,
        use_api: false,
        stack: { stack, current: stack.length },
      },
    });
    const outcome = await readOutcome(await deps.handler(request));

    if (outcome.kind === 'done') {
      await finishRun(db, run.id, owner, { status: 'completed', output: outcome.output });
      return;
    }
    if (outcome.kind === 'fail') return fail(outcome.error);
    if (outcome.kind === 'retry') {
      attempt += 1;
      if (attempt >= fn.maxAttempts) return fail(outcome.error);
      await retryLater(outcome.retryAfterMs);
      return;
    }

    let wakeAt: number | null = null;
    let stepErrored = false;
    for (const op of outcome.ops as Op[]) {
      switch (op.op) {
        case 'StepRun':
        case 'Step':
          steps[op.id] = { type: 'data', data: op.data ?? null };
          stack.push(op.id);
          attempt = 0;
          break;
        case 'StepFailed':
          steps[op.id] = { type: 'error', error: errorOf(op.error) };
          stack.push(op.id);
          attempt = 0;
          break;
        case 'StepError':
          stepErrored = true;
          deps.logger.warn('step failed; will retry', { function: fn.id, step: op.displayName ?? op.name, attempt: attempt + 1 });
          break;
        case 'Sleep': {
          const ms = parseDuration(op.name ?? '') ?? Date.parse(String(op.opts?.timestamp ?? '')) - Date.now();
          if (!Number.isFinite(ms)) return fail({ message: `Cannot read the sleep duration '${op.name}'` });
          steps[op.id] = { type: 'data', data: null };
          stack.push(op.id);
          wakeAt = Math.max(wakeAt ?? 0, Date.now() + Math.max(0, ms));
          break;
        }
        case 'StepPlanned':
          if (!planned.includes(op.id)) planned.push(op.id);
          break;
        case 'RunComplete':
          await finishRun(db, run.id, owner, { status: 'completed', output: op.data ?? null });
          return;
        default:
          return fail({ name: 'NonRetriableError', message: `${op.op} (step '${op.displayName ?? op.name}') ${UNSUPPORTED}` });
      }
    }
    if (planned.length > 1) disableImmediate = true;
    if (stepErrored) {
      attempt += 1;
      await retryLater(outcome.retryAfterMs);
      return;
    }
    if (wakeAt !== null) {
      await reschedule(db, run.id, owner, progress(), new Date(wakeAt));
      return;
    }
    if (!(await saveProgress(db, run.id, owner, progress()))) return; // cancelled, or the lease moved on
  }
  await fail({ name: 'NonRetriableError', message: `Run exceeded ${MAX_CALLS} steps` });
}
