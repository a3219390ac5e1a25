// Builds packages/client/dist: the client's JavaScript and declaration files,
// with the router's types written out in full (src/router.ts) so that the
// package needs neither Archon's source tree nor its server dependencies.
// Run by `npm pack` (prepack) and `npm run build:client` from the repository.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const pkgDir = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(pkgDir, '../..');
const dist = path.join(pkgDir, 'dist');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'archon-client-build-'));

try {
  // One program from the repository's own settings: the router's types need the server's sources to be computed.
  const tsconfig = path.join(tmp, 'tsconfig.json');
  fs.writeFileSync(
    tsconfig,
    JSON.stringify({
      extends: path.join(root, 'tsconfig.json'),
      compilerOptions: {
        noEmit: false,
        declaration: true,
        incremental: false,
        plugins: [],
        rootDir: root,
        outDir: path.join(tmp, 'out'),
        target: 'ES2022',
        lib: ['ES2023', 'DOM', 'DOM.Iterable'],
      },
      include: [],
      files: [path.join(pkgDir, 'src/index.ts'), path.join(pkgDir, 'src/node.ts')],
    }),
  );
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', tsconfig], { cwd: root, stdio: 'pipe' });
  } catch (err) {
    process.stderr.write(`${err.stdout ?? ''}${err.stderr ?? ''}`);
    throw new Error('tsc failed on packages/client');
  }

  const built = path.join(tmp, 'out', path.relative(root, path.join(pkgDir, 'src')));
  fs.rmSync(dist, { recursive: true, force: true });
  fs.mkdirSync(dist);
  const problems = [];
  for (const name of fs.readdirSync(built).sort()) {
    if (!/\.(js|d\.ts)$/.test(name)) continue;
    let text = fs.readFileSync(path.join(built, name), 'utf8');
    // The server's types were only the input of the expansion: their imports are left behind.
    text = text.replace(/^import (type )?[^;]*from '\.\.\/\.\.\/\.\.\/[^']*';\n/gm, '');
    for (const m of text.matchAll(/^(?:import|export)\b[^;'"]*from ['"]([^'"]+)['"]|\bimport\(['"]([^'"]+)['"]\)/gm)) {
      const spec = m[1] ?? m[2];
      const ok = /^\.\/[\w-]+\.js$/.test(spec) || /^@trpc\/(client|server)(\/[\w-]+)?$/.test(spec) || spec === 'superjson' || /^node:/.test(spec);
      if (!ok) problems.push(`${name} imports ${spec}`);
    }
    fs.writeFileSync(path.join(dist, name), text);
  }
  if (problems.length) throw new Error(`dist would depend on what the package does not ship:\n  ${problems.join('\n  ')}`);
  console.log(`built ${path.relative(root, dist)}: ${fs.readdirSync(dist).join(', ')}`);
} finally {
  if (!process.env.KEEP_BUILD) fs.rmSync(tmp, { recursive: true, force: true });
}
