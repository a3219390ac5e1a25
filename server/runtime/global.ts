import { loadConfig, secretValues } from '../config';
import { createLogger, type Logger } from '../logger';
import { type Runtime, startRuntime } from './runtime';

// Next bundles route handlers separately from the custom server, so module
// state is not shared between them; globalThis is.
const KEY = Symbol.for('archon.runtime');
const SETTLED = Symbol.for('archon.runtime.settled');
type Holder = { [KEY]?: Promise<Runtime>; [SETTLED]?: Runtime };

/** Makes `runtime` the process's runtime, for route handlers, pages and job functions. */
export function setRuntime(runtime: Runtime | Promise<Runtime>): void {
  const holder = globalThis as Holder;
  const pending = Promise.resolve(runtime);
  holder[KEY] = pending;
  pending.then(
    (rt) => {
      if (holder[KEY] === pending) holder[SETTLED] = rt;
    },
    () => {}, // whoever awaits getRuntime() sees the failure
  );
}

/** The process's runtime; started from the environment on first use when no server set one up. */
export function getRuntime(): Promise<Runtime> {
  const holder = globalThis as Holder;
  if (!holder[KEY]) setRuntime(startRuntime(loadConfig()));
  return holder[KEY]!;
}

/** The runtime once it has started, for code that cannot wait (job middleware); throws before that. */
export function settledRuntime(): Runtime {
  const rt = (globalThis as Holder)[SETTLED];
  if (!rt) throw new Error('The Archon runtime has not started yet');
  return rt;
}

/** The running process's logger, for code that cannot wait for the runtime (library callbacks). */
export function currentLogger(): Logger {
  return (
    (globalThis as Holder)[SETTLED]?.logger ??
    createLogger((process.env.LOG_LEVEL as Parameters<typeof createLogger>[0]) || 'info', { secrets: secretValues(process.env) })
  );
}
