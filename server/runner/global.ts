import type { LocalRunnerEndpoint } from './local-fetch';

// The Inngest client lives in modules Next bundles separately from the custom
// server; the running runner is found through globalThis.
const KEY = Symbol.for('archon.localRunner');
type Holder = { [KEY]?: LocalRunnerEndpoint };

export const setLocalRunner = (runner: LocalRunnerEndpoint | undefined) => {
  (globalThis as Holder)[KEY] = runner;
};
export const localRunnerEndpoint = (): LocalRunnerEndpoint | undefined => (globalThis as Holder)[KEY];
