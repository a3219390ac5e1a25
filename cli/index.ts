import { EXIT } from './errors';
import { buildProgram, exitWith, state } from './program';

// The `archon` command (bin/archon.mjs runs this file).
const json = process.argv.includes('--json');
buildProgram()
  .parseAsync(process.argv)
  .then(
    // Open handles (a WebSocket closing, a pool draining) must not keep a finished command waiting.
    () => {
      if (!state.serving) process.exit(process.exitCode ?? EXIT.ok);
    },
    (err: unknown) => exitWith(err, json),
  );
