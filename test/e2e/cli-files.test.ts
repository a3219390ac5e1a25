import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServerDatabase, testDbKind } from '../helpers/db';
import { type ServerProcess, startServerProcess, TEST_API_KEY } from '../helpers/server-process';

/**
 * The files `archon` reads and writes, named as people name them: relative to
 * the directory they run it in (bin/archon.mjs itself works from the
 * checkout's root), through folders with symbolic links, and -o a folder.
 */

const BIN = path.join(process.cwd(), 'bin', 'archon.mjs');
let server: ServerProcess;
let dropDb: (() => Promise<void>) | undefined;
let work: string;

type Ran = { code: number | null; stdout: string; stderr: string };

/** `archon --url <server> …` run in `work`, as the owner's admin key. */
function archon(args: string[]): Promise<Ran> {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production', LOG_LEVEL: 'warn' };
  env.ARCHON_API_KEY = TEST_API_KEY;
  const proc = spawn(process.execPath, [BIN, '--url', server.url, ...args], { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => proc.once('close', (code) => resolve({ code, stdout, stderr })));
}

type Job = { status: string; sourceId: string; input: { files: { name: string; size: number }[] } };

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'archon-cli-files-'));
  const env: Record<string, string> = { EMBEDDING_DIMENSIONS: '64', LOG_LEVEL: 'warn' };
  if (testDbKind() === 'postgres') {
    const db = await createServerDatabase();
    dropDb = db.drop;
    env.DATABASE_URL = db.url;
  }
  server = await startServerProcess(env, 150_000);
}, 180_000);

afterAll(async () => {
  await server?.stop('SIGKILL');
  await dropDb?.();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe('archon with file paths', () => {
  it('uploads a file named relative to where it runs, not the checkout (which has its own README.md)', async () => {
    fs.writeFileSync(path.join(work, 'README.md'), '# Mine\n\nMy own notes on the flux capacitor.\n');
    const r = await archon(['--json', 'upload', 'README.md']);
    expect(r.code).toBe(0);
    const job = JSON.parse(r.stdout) as Job;
    expect(job.status).toBe('completed');
    expect(job.input.files).toEqual([{ name: 'README.md', size: fs.statSync(path.join(work, 'README.md')).size }]);
    const missing = await archon(['upload', 'no-such-notes.md']);
    expect([missing.code, missing.stderr]).toEqual([2, 'archon: No such file or folder: no-such-notes.md\n']);
  });

  it("names a folder's files by their paths within it, so api/index.md and guide/index.md stay two pages", async () => {
    const docs = path.join(work, 'site-docs');
    try {
      for (const dir of ['api', 'guide']) {
        fs.mkdirSync(path.join(docs, dir), { recursive: true });
        fs.writeFileSync(path.join(docs, dir, 'index.md'), `# ${dir}\n\nAbout the ${dir}.\n`);
      }
      fs.writeFileSync(path.join(work, 'loose.md'), '# Loose\n\nA file given by itself.\n');
      const r = await archon(['--json', 'upload', 'site-docs', path.join(work, 'loose.md')]);
      expect(r.code, r.stderr).toBe(0);
      const job = JSON.parse(r.stdout) as Job;
      expect(job.status).toBe('completed');
      expect(job.input.files.map((f) => f.name).sort()).toEqual(['api/index.md', 'guide/index.md', 'loose.md']);
    } finally {
      fs.rmSync(docs, { recursive: true, force: true });
      fs.rmSync(path.join(work, 'loose.md'), { force: true });
    }
  });

  it("uploads a folder's linked files and folders, and refuses a dangling link by name", async () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'archon-cli-linked-'));
    try {
      fs.mkdirSync(path.join(work, 'notes'));
      fs.mkdirSync(path.join(outside, 'more'));
      fs.writeFileSync(path.join(work, 'notes', 'a.md'), '# A\n\nAbout the alpha drive.\n');
      fs.writeFileSync(path.join(outside, 'b.md'), '# B\n\nAbout the beta coil.\n');
      fs.writeFileSync(path.join(outside, 'more', 'c.md'), '# C\n\nAbout the gamma lens.\n');
      fs.symlinkSync(path.join(outside, 'b.md'), path.join(work, 'notes', 'b.md'));
      fs.symlinkSync(path.join(outside, 'more'), path.join(work, 'notes', 'more'));
      // A link back to the folder itself is walked once, not forever.
      fs.symlinkSync('.', path.join(work, 'notes', 'again'));
      const r = await archon(['--json', 'upload', 'notes']);
      expect(r.code).toBe(0);
      const job = JSON.parse(r.stdout) as Job;
      expect(job.input.files.map((f) => f.name).sort()).toEqual(['a.md', 'b.md', 'more/c.md']);
      expect(job.status).toBe('completed');

      fs.symlinkSync(path.join(outside, 'gone.md'), path.join(work, 'notes', 'gone.md'));
      const dangling = await archon(['upload', 'notes']);
      expect(dangling.code).toBe(2);
      expect(dangling.stderr).toMatch(/^archon: .*notes\/gone\.md is a link to nothing/);
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
      fs.rmSync(path.join(work, 'notes'), { recursive: true, force: true });
    }
  });

  it('exports into the directory it runs in, or into a folder given as -o, and imports a relative path', async () => {
    fs.writeFileSync(path.join(work, 'export-me.md'), '# Export\n\nA page to carry across.\n');
    const { sourceId } = JSON.parse((await archon(['--json', 'upload', 'export-me.md'])).stdout) as Job;
    const name = `${sourceId}.archon.jsonl.gz`;

    const here = await archon(['export', sourceId]);
    expect(here.code).toBe(0);
    expect(fs.readFileSync(path.join(work, name)).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));

    fs.mkdirSync(path.join(work, 'backups'));
    const intoFolder = await archon(['export', sourceId, '-o', 'backups']);
    expect([intoFolder.code, intoFolder.stderr]).toEqual([0, '']);
    expect(fs.readdirSync(work).filter((f) => f.endsWith('.partial'))).toEqual([]);
    expect(fs.readdirSync(path.join(work, 'backups'))).toEqual([name]);

    const imported = await archon(['--json', 'import', path.join('backups', name), '--on-conflict', 'copy']);
    expect(imported.code).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ sourceId: `${sourceId}-copy-1`, copied: true, pages: 1 });
  });
});

describe('archon import of an archive without vectors', () => {
  it('starts the re-embedding that --no-embeddings promises, so vector search finds the imported pages', async () => {
    fs.writeFileSync(path.join(work, 'vectors.md'), '# Vectors\n\nThe quantum harmonica plays in tune.\n');
    const { sourceId } = JSON.parse((await archon(['--json', 'upload', 'vectors.md'])).stdout) as Job;
    expect((await archon(['export', sourceId, '--no-embeddings', '-o', 'no-vectors.gz'])).code).toBe(0);

    const imported = await archon(['--json', 'import', 'no-vectors.gz', '--on-conflict', 'copy']);
    expect(imported.code).toBe(0);
    const result = JSON.parse(imported.stdout) as { sourceId: string; embeddingsMissing: number; reembed?: { started: boolean; jobId: string } };
    expect(result).toMatchObject({ embeddingsMissing: 1, reembed: { started: true, jobId: expect.any(String) } });
    const watched = await archon(['--json', 'jobs', 'watch', result.reembed!.jobId]);
    expect(JSON.parse(watched.stdout)).toMatchObject({ kind: 'reembed', status: 'completed' });

    const found = await archon(['--json', 'search', 'quantum harmonica', '--mode', 'vector', '--source', result.sourceId]);
    expect((JSON.parse(found.stdout) as { results: { url: string }[] }).results.map((r) => r.url)).toEqual(['file://vectors.md']);
  });
});
