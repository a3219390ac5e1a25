import fs from 'node:fs';
import path from 'node:path';

/**
 * How Archon's server process is started: the environment and Node flags of
 * package.json's `start` script (`[VAR=value…] node [flags] --import tsx
 * server/index.ts`). That script is the one place they are written; `archon
 * start`, the benchmarks and the container image's test read them from here,
 * so each runs the server as `npm start` does.
 */
export function startCommand(root = process.cwd()): { env: Record<string, string>; flags: string[] } {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  const start = pkg.scripts?.start ?? '';
  const m = /((?:\b[A-Z_]+=\S+\s+)*)node((?:\s+--[\w-]+(?:=\S+)?)*)\s+--import tsx server\/index\.ts/.exec(start);
  if (!m) throw new Error(`package.json's start script does not run \`[VAR=value…] node [flags] --import tsx server/index.ts\`: ${start}`);
  const words = (s: string) => s.split(/\s+/).filter(Boolean);
  const env = Object.fromEntries(words(m[1]!).map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)]));
  return { env, flags: words(m[2]!) };
}
