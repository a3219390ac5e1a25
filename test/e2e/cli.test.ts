import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DocsSite, startDocsSite } from '../fixtures/docs-site';
import { createServerDatabase, testDbKind } from '../helpers/db';
import { type ServerProcess, startServerProcess, TEST_API_KEY } from '../helpers/server-process';
import { createArchonClient } from '../helpers/trpc-client';

/**
 * `archon` as people and scripts run it (the npm bin, in a directory of
 * their own, stdout not a terminal unless said): against the built server
 * with --url and ARCHON_API_KEY, and on an embedded database of its own.
 */

const BIN = path.join(process.cwd(), 'bin', 'archon.mjs');
let server: ServerProcess;
let site: DocsSite;
let dropDb: (() => Promise<void>) | undefined;
const temp: string[] = [];
const tempDir = (prefix: string) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  temp.push(dir);
  return dir;
};

type Ran = { code: number | null; stdout: string; stderr: string };
type Running = { proc: ChildProcess; output: () => string; done: Promise<Ran> };

function start(args: string[], env: Record<string, string | undefined> = {}, opts: { tty?: boolean } = {}): Running {
  const fullEnv: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production', LOG_LEVEL: 'warn', ...env };
  // `script` gives the command a terminal of its own, as a person's shell would.
  const quoted = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const proc = opts.tty
    ? spawn('script', ['-qfec', quoted, '/dev/null'], { cwd: os.tmpdir(), env: { ...fullEnv, TERM: 'xterm', COLUMNS: '120' }, stdio: 'pipe' })
    : spawn(process.execPath, [BIN, ...args], { cwd: os.tmpdir(), env: fullEnv, stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  proc.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<Ran>((resolve) => proc.once('close', (code) => resolve({ code, stdout, stderr })));
  return { proc, output: () => stdout + stderr, done };
}

const run = (args: string[], env: Record<string, string | undefined> = {}, opts: { tty?: boolean; input?: string } = {}) => {
  const r = start(args, env, opts);
  r.proc.stdin!.end(opts.input ?? '');
  return r.done;
};
/** Against the test server, as its owner's admin key. */
const remote = (args: string[], env: Record<string, string | undefined> = {}, opts: { tty?: boolean } = {}) =>
  run(['--url', server.url, ...args], { ARCHON_API_KEY: TEST_API_KEY, ...env }, opts);

const until = async (what: string, check: () => boolean, ms = 60_000) => {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
};

/** A loopback port nothing listens on. */
const closedPort = async () => {
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((r) => probe.close(r));
  return port;
};

/** What a user error must not look like. */
const noStack = (r: Ran) => expect(r.stderr + r.stdout).not.toMatch(/\n\s+at .+:\d+:\d+/);

beforeAll(async () => {
  site = await startDocsSite();
  const env: Record<string, string> = { CRAWL_ALLOWED_HOSTS: site.host, EMBEDDING_DIMENSIONS: '64', LOG_LEVEL: 'warn' };
  if (testDbKind() === 'postgres') {
    const db = await createServerDatabase();
    dropDb = db.drop;
    env.DATABASE_URL = db.url;
  }
  server = await startServerProcess(env, 150_000);
}, 180_000);

afterAll(async () => {
  await server?.stop('SIGKILL');
  await site?.close();
  await dropDb?.();
  for (const dir of temp) fs.rmSync(dir, { recursive: true, force: true });
});

describe('archon against a running server (--url, ARCHON_API_KEY)', () => {
  let sourceId: string;

  it('says the status, as text and as JSON', async () => {
    const text = await remote(['status']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^Archon [\d.]+: ok\n {2}at: {8}http:\/\/127\.0\.0\.1:\d+\n/);
    expect(text.stdout).toMatch(/acting as: owner@archon\.test \(owner; read, write, admin\)/);
    const json = await remote(['--json', 'status']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      mode: 'remote',
      health: { status: 'ok' },
      me: { kind: 'api-key', role: 'owner' },
      jobs: { running: 0 },
    });
  });

  it('crawls a site with progress as plain lines when stdout is not a terminal', async () => {
    const r = await remote(['crawl', `${site.url}/docs/`, '--mode', 'recursive', '--max-pages', '20', '--tag', 'cli,docs', '--title', 'CLI docs']);
    expect(r.code).toBe(0);
    sourceId = /source (\S+)$/m.exec(r.stdout)![1]!;
    expect(r.stdout).toMatch(/^Crawling http:\/\/127\.0\.0\.1:\d+\/docs\/: job [0-9a-f-]{36}, source \S+$/m);
    expect(r.stdout).toMatch(/^crawl (queued|running): \d+\/\d+ pages.*, \d+ chunks, [\d.]+ pages\/s, ETA \S+$/m);
    expect(r.stdout).toMatch(/^crawl completed\. [1-9]\d*\/[1-9]\d* pages.*, [1-9]\d* chunks in \d+s\.$/m);
    expect(r.stdout).not.toMatch(/\u001b\[/);
    noStack(r);
  });

  it('searches, lists and shows sources, and refreshes one with progress', async () => {
    const found = await remote(['search', 'arranging algorithm widgets', '--source', sourceId]);
    expect(found.code).toBe(0);
    expect(found.stdout).toMatch(/^1\. .+ — CLI docs \([\d.]+\)\n {3}http:\/\/127\.0\.0\.1:\d+\/docs\//m);
    const json = JSON.parse((await remote(['--json', 'search', 'widgets', '--chunks', '--limit', '2'])).stdout) as {
      returnMode: string;
      results: unknown[];
    };
    expect(json.returnMode).toBe('chunks');
    expect(json.results.length).toBeGreaterThan(0);
    const list = await remote(['sources']);
    expect(list.stdout).toMatch(new RegExp(`^${sourceId}\\s+CLI docs\\s+url\\s+\\d+`, 'm'));
    const show = await remote(['sources', 'show', sourceId]);
    expect(show.stdout).toMatch(/type: {6}technical, tags cli, docs/);
    const refresh = await remote(['sources', 'refresh', sourceId]);
    expect(refresh.code).toBe(0);
    expect(refresh.stdout).toMatch(/^refresh completed\. /m);
  });

  it('lists jobs and watches one, as JSON for scripts', async () => {
    const jobs = JSON.parse((await remote(['--json', 'jobs', '--kind', 'crawl'])).stdout) as { items: { id: string; status: string }[] };
    expect(jobs.items[0]).toMatchObject({ status: 'completed' });
    const watched = await remote(['--json', 'jobs', 'watch', jobs.items[0]!.id]);
    expect(watched.code).toBe(0);
    expect(JSON.parse(watched.stdout)).toMatchObject({ id: jobs.items[0]!.id, status: 'completed', kind: 'crawl' });
    // Progress went to stderr: stdout holds the JSON alone.
    expect(watched.stderr).toMatch(/^job completed\. /m);
  });

  it('uploads files and folders, streamed from disk', async () => {
    const dir = tempDir('archon-cli-upload-');
    fs.mkdirSync(path.join(dir, 'sub'));
    fs.writeFileSync(path.join(dir, 'a.md'), '# Alpha\n\nNotes on the alpha release and its tachyon drive.\n');
    fs.writeFileSync(path.join(dir, 'sub', 'b.txt'), 'Beta notes about warp coils.\n');
    const r = await remote(['--json', 'upload', dir, '--title', 'CLI notes', '--tag', 'notes']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ kind: 'upload', status: 'completed', pagesFetched: 2 });
    expect(r.stderr).toMatch(/^Uploading 2 file\(s\): job /m);
    const missing = await remote(['upload', path.join(dir, 'nope.md')]);
    expect([missing.code, missing.stderr]).toEqual([2, expect.stringContaining('No such file or folder')]);
    // One file of two cannot be taken (empty): the upload completes with the other, and the command fails.
    fs.writeFileSync(path.join(dir, 'empty.md'), '');
    const partial = await remote(['--json', 'upload', path.join(dir, 'a.md'), path.join(dir, 'empty.md')]);
    expect(JSON.parse(partial.stdout)).toMatchObject({ kind: 'upload', status: 'completed', pagesFetched: 1, pagesFailed: 1 });
    expect(partial.stderr).toMatch(/^1 of 2 file\(s\) could not be uploaded/m);
    expect(partial.code).toBe(1);
  });

  it('exports a source and imports it back, saying how to resolve a conflict', async () => {
    const dir = tempDir('archon-cli-archive-');
    const file = path.join(dir, 'docs.archon.jsonl.gz');
    const exported = await remote(['export', sourceId, '-o', file]);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toMatch(/^Exported \S+ to .+docs\.archon\.jsonl\.gz \([\d.]+ KB\)\.$/m);
    expect(fs.readFileSync(file).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    const conflict = await remote(['import', file]);
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toMatch(/^archon: Source .+ already exists; import with --on-conflict replace to overwrite it or copy to keep both/m);
    const copy = await remote(['--json', 'import', file, '--on-conflict', 'copy']);
    expect(copy.code).toBe(0);
    expect(JSON.parse(copy.stdout)).toMatchObject({ sourceId: `${sourceId}-copy-1`, copied: true });
    const gone = await remote(['export', 'no-such-source', '-o', path.join(dir, 'x.gz')]);
    expect([gone.code, fs.existsSync(path.join(dir, 'x.gz')), fs.existsSync(path.join(dir, 'x.gz.partial'))]).toEqual([1, false, false]);
    expect(gone.stderr).toMatch(/^archon: .*no-such-source.*does not exist/m);
  });

  it('creates, lists and revokes keys; a read key cannot crawl, a revoked one is refused', async () => {
    const created = JSON.parse((await remote(['--json', 'keys', 'create', 'cli read key', '--scope', 'read'])).stdout) as {
      key: string;
      apiKey: { id: string };
    };
    expect(created.key).toMatch(/^ak_/);
    const list = await remote(['keys']);
    expect(list.stdout).toMatch(/cli read key\s+ak_[0-9a-f]{12}\s+read\s+never\s+active/);
    const readOnly = await remote(['crawl', `${site.url}/docs/a`], { ARCHON_API_KEY: created.key });
    expect(readOnly.code).toBe(1);
    expect(readOnly.stderr).toMatch(/^archon: .*write access/m);
    expect((await remote(['keys', 'revoke', created.apiKey.id])).code).toBe(0);
    const revoked = await remote(['status'], { ARCHON_API_KEY: created.key });
    expect(revoked.code).toBe(1);
    expect(revoked.stderr).toBe(`archon: ${server.url} refused ARCHON_API_KEY: it is revoked, expired or mistyped.\n`);
  });

  it('refuses a bad key, an unreachable server and bad arguments in one line, with exit codes 1 and 2', async () => {
    const badKey = await remote(['--json', 'sources'], { ARCHON_API_KEY: 'ak_000000000000_wrong' });
    expect(badKey.code).toBe(1);
    expect(JSON.parse(badKey.stdout)).toEqual({
      error: { code: 'UNAUTHORIZED', message: `${server.url} refused ARCHON_API_KEY: it is revoked, expired or mistyped.` },
    });
    noStack(badKey);

    const port = await closedPort();
    const unreachable = await run(['--url', `http://127.0.0.1:${port}`, 'status'], { ARCHON_API_KEY: TEST_API_KEY });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toBe(`archon: Cannot reach Archon at http://127.0.0.1:${port}: fetch failed (ECONNREFUSED)\n`);

    const noKey = await run(['--url', server.url, 'sources']);
    expect([noKey.code, noKey.stderr]).toEqual([2, expect.stringContaining('set ARCHON_API_KEY')]);

    const badArgs = await remote(['crawl', 'not a url']);
    expect(badArgs.code).toBe(2);
    expect(badArgs.stderr).toMatch(/is invalid for argument 'url'\. must be an http:\/\/ or https:\/\/ URL/);
    const refused = await remote(['crawl', `${site.url}/docs/`, '--include', 'x'.repeat(600)]);
    expect([refused.code, refused.stderr]).toEqual([2, expect.stringMatching(/^archon: .*include.*500/m)]);
    const missing = await remote(['sources', 'show', 'no-such-source']);
    expect([missing.code, missing.stderr]).toEqual([1, expect.stringMatching(/^archon: .*does not exist/m)]);
    for (const r of [unreachable, noKey, badArgs, refused, missing]) noStack(r);

    const help = await run(['jobs', 'watch', '--help']);
    expect([help.code, help.stdout]).toEqual([0, expect.stringMatching(/^Usage: archon jobs watch \[options\] <id>/)]);
    const deleting = await remote(['sources', 'delete', sourceId]);
    expect([deleting.code, deleting.stderr]).toEqual([2, expect.stringContaining('needs --yes when there is no terminal')]);
  });

  it('asks on Ctrl-C during a crawl: cancel the job, or leave it running', async () => {
    const crawl = () => {
      const r = start(['--url', server.url, 'crawl', `${site.url}/slowdocs/0`, '--mode', 'recursive', '--max-depth', '40', '--concurrency', '1'], {
        ARCHON_API_KEY: TEST_API_KEY,
      });
      return r;
    };
    const api = createArchonClient(server.url).client;

    const cancelling = crawl();
    await until('the crawl to start', () => /^crawl running: /m.test(cancelling.output()));
    cancelling.proc.kill('SIGINT');
    await until('the question', () => cancelling.output().includes('Cancel job'));
    expect(cancelling.output()).toMatch(/Interrupted\. Cancel job [0-9a-f-]{36} \(c\), or leave it running \(l\)\? \[l\]/);
    cancelling.proc.stdin!.end('c\n');
    const cancelled = await cancelling.done;
    expect(cancelled.code).toBe(1);
    expect(cancelled.stdout).toMatch(/^crawl cancelled\. /m);
    const cancelledId = /job ([0-9a-f-]{36})/.exec(cancelled.stdout)![1]!;
    expect((await api.jobs.get.query({ id: cancelledId })).status).toBe('cancelled');

    const leaving = crawl();
    await until('the crawl to start', () => /^crawl running: /m.test(leaving.output()));
    leaving.proc.kill('SIGINT');
    await until('the question', () => leaving.output().includes('Cancel job'));
    leaving.proc.stdin!.end('l\n');
    const left = await leaving.done;
    expect(left.code).toBe(0);
    const leftId = /job ([0-9a-f-]{36})/.exec(left.stdout)![1]!;
    expect(left.stdout).toContain(`Left job ${leftId} running. It goes on in Archon: follow it with \`archon jobs watch ${leftId}\``);
    expect((await api.jobs.get.query({ id: leftId })).status).toMatch(/queued|running/);
    const cancel = await remote(['jobs', 'cancel', leftId]);
    expect([cancel.code, cancel.stdout]).toEqual([0, `Cancelled job ${leftId} (crawl).\n`]);
  });

  it('draws a live progress bar on a terminal', async () => {
    const r = await remote(['crawl', `${site.url}/slowdocs/0`, '--mode', 'recursive', '--max-pages', '4', '--title', 'Slow docs'], {}, { tty: true });
    expect(r.code).toBe(0);
    // The bar redraws in place; its last frame and the final line.
    expect(r.stdout).toMatch(/crawl completed \[█+\] \d+\/\d+ pages \| \d+ chunks \| [\d.]+ pages\/s \| ETA 0s/);
    expect(r.stdout).toMatch(/\u001b\[/);
    expect(r.stdout).toMatch(/crawl completed\. \d+\/\d+ pages/);
  });
});

describe.runIf(testDbKind() === 'pglite')('archon on an embedded database (no server)', () => {
  let dataDir: string;
  const local = (args: string[], env: Record<string, string | undefined> = {}) =>
    run(args, { ARCHON_DATA_DIR: dataDir, CRAWL_ALLOWED_HOSTS: site.host, EMBEDDING_DIMENSIONS: '64', ...env });
  beforeAll(() => {
    dataDir = tempDir('archon-cli-local-');
  });

  it('migrates, crawls with its own runner, searches and says its status', async () => {
    const migrated = await local(['migrate']);
    expect(migrated.code).toBe(0);
    expect(migrated.stdout).toMatch(/^the embedded database in .+: (applied \d+ migration|up to date)/);
    expect(await local(['migrate', '--check'])).toMatchObject({ code: 0, stdout: expect.stringMatching(/up to date \(\d+ migrations applied\)/) });
    const crawled = await local(['crawl', `${site.url}/docs/`, '--mode', 'recursive', '--max-pages', '10']);
    expect(crawled.code).toBe(0);
    expect(crawled.stdout).toMatch(/^crawl completed\. [1-9]\d*\/\d+ pages/m);
    const found = await local(['--json', 'search', 'arranging algorithm']);
    expect((JSON.parse(found.stdout) as { results: unknown[] }).results.length).toBeGreaterThan(0);
    const status = await local(['status']);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/at: {8}the embedded database in .+ \(local\)/);
    expect(status.stdout).toMatch(/sources: {3}1\n/);
    expect(status.stdout).toMatch(/acting as: the local owner \(owner; read, write, admin\)/);
  });

  it('starts Archon as npm start does, and stops it with Ctrl-C', async () => {
    // --no-build: the tests share one build, made before they start.
    const started = start(['start', '--port', '0', '--no-build'], {
      ARCHON_DATA_DIR: tempDir('archon-cli-start-'),
      EMBEDDING_DIMENSIONS: '64',
      NEXT_TELEMETRY_DISABLED: '1',
    });
    await until('the ready line', () => /is ready at http:\/\/127\.0\.0\.1:\d+/.test(started.output()), 90_000);
    const url = /is ready at (http:\/\/127\.0\.0\.1:\d+)/.exec(started.output())![1]!;
    expect((await fetch(`${url}/api/health`)).status).toBe(200);
    started.proc.kill('SIGINT');
    expect((await started.done).code).toBe(0);
  });

  it('says what is wrong with a bad key, a database without an owner, and a database held by a server', async () => {
    const badKey = await local(['sources'], { ARCHON_API_KEY: 'ak_000000000000_wrong' });
    expect([badKey.code, badKey.stderr]).toEqual([1, expect.stringMatching(/^archon: ARCHON_API_KEY is not a valid key of this database/)]);
    const keys = await local(['keys', 'create', 'mine']);
    expect([keys.code, keys.stderr]).toEqual([1, expect.stringContaining('This database has no owner account yet')]);
    if (!server.dataDir) return;
    const held = await run(['status'], { ARCHON_DATA_DIR: server.dataDir });
    expect(held.code).toBe(1);
    expect(held.stderr).toMatch(/in use by another Archon process.*add --url http:\/\/127\.0\.0\.1:3737 with ARCHON_API_KEY set/);
    for (const r of [badKey, keys, held]) noStack(r);
  });
});
