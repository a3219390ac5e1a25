// Builds the Next.js app when there is no build or a source file changed since
// the sources the build was made from, so `npm start` and `npm test` always run
// what is checked out. The newest source time is taken before building: a file
// saved while a build runs makes the next call build again.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = process.cwd();
const buildId = path.join(root, '.next', 'BUILD_ID');
const stamp = path.join(root, '.next', 'archon-sources-mtime');
const watched = [
  'app',
  'server',
  'db',
  'inngest',
  'next.config.ts',
  'postcss.config.mjs',
  'package-lock.json',
  'tsconfig.json',
  'tsconfig.build.json',
];

function newestMtime(p) {
  if (!fs.existsSync(p)) return 0;
  const stat = fs.statSync(p);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const entry of fs.readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, entry)));
  return newest;
}

const builtFrom = fs.existsSync(buildId) && fs.existsSync(stamp) ? Number(fs.readFileSync(stamp, 'utf8')) || 0 : 0;
const changedAt = Math.max(...watched.map((p) => newestMtime(path.join(root, p))));
if (builtFrom === 0 || changedAt > builtFrom) {
  console.log(builtFrom === 0 ? 'Building the web app…' : 'Sources changed since the last build; rebuilding…');
  execFileSync(process.execPath, [path.join(root, 'node_modules', 'next', 'dist', 'bin', 'next'), 'build'], {
    stdio: 'inherit',
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
  });
  fs.writeFileSync(stamp, String(changedAt));
}
