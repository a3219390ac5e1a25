import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// The layering the README's "How it is built" describes, checked on the real
// import graph: a lower layer never imports a higher one, and no two folders
// import each other.

const root = process.cwd();
const sources = execFileSync(
  'git',
  ['ls-files', '--cached', '--others', '--exclude-standard', 'app', 'server', 'db', 'inngest', 'cli', 'packages/client/src'],
  {
    encoding: 'utf8',
  },
)
  .split('\n')
  .filter((f) => /\.(ts|tsx)$/.test(f) && fs.existsSync(f));

const IMPORT = /(?:^|\n)\s*(?:import|export)\s+(type\s+)?(?:[^'"]*?\sfrom\s+)?['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;
const EXTENSIONS = ['', '.ts', '.tsx', '/index.ts', '/index.tsx'];

type Edge = { from: string; to: string; typeOnly: boolean };

function resolve(from: string, spec: string): string | null {
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), spec));
  for (const ext of EXTENSIONS)
    if (fs.existsSync(path.join(root, base + ext)) && fs.statSync(path.join(root, base + ext)).isFile()) return base + ext;
  return null;
}

const edges: Edge[] = sources.flatMap((file) => {
  const text = fs.readFileSync(file, 'utf8');
  return [...text.matchAll(IMPORT)].flatMap((m) => {
    const to = resolve(file, m[2] ?? m[3]!);
    return to ? [{ from: file, to, typeOnly: Boolean(m[1]) }] : [];
  });
});

/** Lower numbers are lower layers; a file may import its own layer or lower ones. */
const LAYERS: [RegExp, number, string][] = [
  [/^db\//, 0, 'db'],
  [/^server\/(errors|logger)\.ts$/, 1, 'shared leaves'],
  [/^server\/schemas\//, 1, 'schemas'],
  [/^server\/realtime\//, 2, 'realtime'],
  [/^server\/services\//, 3, 'services'],
  [/^server\/config\.ts$/, 4, 'config'],
  [/^server\/runner\//, 4, 'runner'],
  [/^server\/runtime\//, 5, 'runtime'],
  [/^inngest\//, 6, 'inngest'],
  [/^server\/http\//, 7, 'http helpers'],
  [/^server\/trpc\//, 8, 'trpc'],
  [/^server\/routers\//, 9, 'routers'],
  [/^server\/mcp\//, 10, 'mcp'],
  // The typed client package imports the router's types only, and the CLI uses it for a remote Archon.
  [/^packages\/client\//, 10, 'client package'],
  [/^server\/[^/]+\.ts$/, 11, 'server entry'],
  [/^app\//, 11, 'app'],
  [/^cli\//, 12, 'cli'],
];
const layerOf = (file: string) => LAYERS.find(([re]) => re.test(file)) ?? null;

/** The folder a file belongs to, at the depth the README lists folders (services/<domain>, db/schema, …). */
function folderOf(file: string): string {
  const parts = file.split('/');
  // Loose files at the top of server/ and db/ are rooms of their own: server/index.ts and server/errors.ts are not one room.
  if (parts.length === 2 && (parts[0] === 'server' || parts[0] === 'db')) return file;
  if (parts[0] === 'server' && parts[1] === 'services' && parts.length > 3) return parts.slice(0, 3).join('/');
  if (parts[0] === 'app') return 'app';
  if (parts[0] === 'inngest') return 'inngest';
  if (parts[0] === 'cli') return 'cli';
  return parts.slice(0, -1).join('/') || parts[0]!;
}

describe('architecture', () => {
  it('reads a sensible import graph', () => {
    expect(sources.length).toBeGreaterThan(100);
    expect(edges.length).toBeGreaterThan(300);
    expect(sources.every((f) => layerOf(f))).toBe(true);
  });

  it('never imports a higher layer from a lower one (type imports included)', () => {
    const upward = edges
      .filter((e) => layerOf(e.from)![1] < layerOf(e.to)![1])
      .map((e) => `${e.from} (${layerOf(e.from)![2]}) → ${e.to} (${layerOf(e.to)![2]})`);
    expect(upward).toEqual([]);
  });

  it('has no two folders that import each other', () => {
    const pairs = new Set(edges.map((e) => `${folderOf(e.from)}→${folderOf(e.to)}`).filter((p) => p.split('→')[0] !== p.split('→')[1]));
    const mutual = [...pairs].filter((p) => {
      const [a, b] = p.split('→');
      return a! < b! && pairs.has(`${b}→${a}`);
    });
    expect(mutual).toEqual([]);
  });

  it('keeps services free of transports and job frameworks', () => {
    const forbidden = /^(@trpc\/|next(\/|$)|inngest(\/|$)|@modelcontextprotocol\/)/;
    const offenders = sources
      .filter((f) => f.startsWith('server/services/'))
      .filter((f) => [...fs.readFileSync(f, 'utf8').matchAll(/from\s+['"]([^'".][^'"]*)['"]/g)].some((m) => forbidden.test(m[1]!)));
    expect(offenders).toEqual([]);
  });
});
