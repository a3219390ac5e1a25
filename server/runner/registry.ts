import type { Logger } from '../logger';
import { checkCron } from './cron';
import { compileExpression } from './expressions';

type Scope = Record<string, unknown>;
type Evaluator = (scope: Scope) => unknown;

export type RegisteredFunction = {
  id: string;
  triggers: { event?: string; cron?: string; matches?: Evaluator }[];
  maxAttempts: number;
  concurrency: { limit: number; key: (event: Scope) => string } | null;
  cancel: { event: string; matches?: Evaluator }[];
};

/** The function config the SDK sends on sync (PUT), as far as the local runner reads it. */
export type SyncedFunction = {
  id: string;
  triggers?: { event?: string; expression?: string; cron?: string }[];
  steps?: Record<string, { retries?: { attempts?: number } }>;
  concurrency?: number | ConcurrencyConfig | ConcurrencyConfig[];
  cancel?: { event: string; if?: string; timeout?: string }[];
  [other: string]: unknown;
};
type ConcurrencyConfig = { limit: number; key?: string; scope?: 'fn' | 'env' | 'account' };

const HANDLED = new Set(['id', 'name', 'triggers', 'steps', 'concurrency', 'cancel']);

function compileConcurrency(fnId: string, config: SyncedFunction['concurrency'], logger?: Logger) {
  if (config === undefined) return null;
  const list = Array.isArray(config) ? config : [typeof config === 'number' ? { limit: config } : config];
  if (list.length > 1) logger?.warn('local runner enforces only the first concurrency limit', { function: fnId });
  const first = list[0];
  if (!first || !(first.limit > 0)) return null;
  const keyOf = first.key ? compileExpression(first.key) : null;
  const prefix = first.scope && first.scope !== 'fn' ? `${first.scope}:${first.key ?? ''}` : fnId;
  return { limit: first.limit, key: (event: Scope) => `${prefix}|${keyOf ? JSON.stringify(keyOf({ event })) : ''}` };
}

/** Compiles synced configs; expressions outside the supported subset throw here, at start. */
export function compileFunction(config: SyncedFunction, logger?: Logger): RegisteredFunction {
  const ignored = Object.keys(config).filter((k) => !HANDLED.has(k) && config[k] !== undefined);
  if (ignored.length) logger?.warn('local runner ignores these function options', { function: config.id, options: ignored });
  const attempts = Object.values(config.steps ?? {})[0]?.retries?.attempts ?? 3;
  return {
    id: config.id,
    triggers: (config.triggers ?? []).map((t) => {
      if (t.cron) checkCron(t.cron);
      return { event: t.event, cron: t.cron, matches: t.expression ? compileExpression(t.expression) : undefined };
    }),
    maxAttempts: attempts + 1,
    concurrency: compileConcurrency(config.id, config.concurrency, logger),
    cancel: (config.cancel ?? []).map((c) => ({ event: c.event, matches: c.if ? compileExpression(c.if) : undefined })),
  };
}

export type Registry = {
  set(functions: SyncedFunction[]): void;
  get(id: string): RegisteredFunction | undefined;
  all(): RegisteredFunction[];
};

export function createRegistry(logger?: Logger): Registry {
  let byId = new Map<string, RegisteredFunction>();
  return {
    set(functions) {
      byId = new Map(functions.map((f) => [f.id, compileFunction(f, logger)]));
    },
    get: (id) => byId.get(id),
    all: () => [...byId.values()],
  };
}
