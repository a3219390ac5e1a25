import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DocsSite, startDocsSite } from '../fixtures/docs-site';
import { createServerDatabase, testDbKind } from '../helpers/db';
import { type ServerProcess, startServerProcess, TEST_API_KEY } from '../helpers/server-process';

/**
 * The typed client as another project gets it: `npm pack` of packages/client,
 * installed from the tarball into a scratch project outside the repository,
 * type-checked there with moduleResolution NodeNext and Bundler, and the
 * examples of examples/ compiled and run against the built server.
 */

const run = promisify(execFile);
const root = process.cwd();
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');

let server: ServerProcess;
let site: DocsSite;
let scratch: string;
let dropDb: (() => Promise<void>) | undefined;

async function sh(cmd: string, args: string[], opts: { cwd: string; env?: Record<string, string>; timeout?: number }) {
  try {
    return await run(cmd, args, {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      timeout: opts.timeout ?? 180_000,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

/** An example, compiled by the scratch project's tsc, run as its README says. */
const example = (name: string, args: string[], env: Record<string, string> = {}) =>
  run(process.execPath, [path.join('dist', `${name}.js`), ...args], {
    cwd: scratch,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production', ARCHON_URL: server.url, ARCHON_API_KEY: TEST_API_KEY, ...env },
    timeout: 120_000,
  });

beforeAll(async () => {
  site = await startDocsSite();
  const env: Record<string, string> = { CRAWL_ALLOWED_HOSTS: site.host, EMBEDDING_DIMENSIONS: '64', LOG_LEVEL: 'warn' };
  if (testDbKind() === 'postgres') {
    const db = await createServerDatabase();
    dropDb = db.drop;
    env.DATABASE_URL = db.url;
  }
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'archon-client-consumer-'));
  const packed = async () => {
    const { stdout } = await sh('npm', ['pack', path.join(root, 'packages', 'client'), '--pack-destination', scratch, '--json'], { cwd: scratch });
    return path.join(scratch, (JSON.parse(stdout.slice(stdout.indexOf('['))) as { filename: string }[])[0]!.filename);
  };
  const [tarball, started] = await Promise.all([packed(), startServerProcess(env, 150_000)]);
  server = started;
  fs.writeFileSync(path.join(scratch, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  // Only the tarball and what an app adds itself (ws for Node 20's subscriptions, the Node types): from npm's cache when it has them.
  await sh('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball, 'ws@8.23.0', '@types/ws@8.18.2', '@types/node@20.19.25'], {
    cwd: scratch,
  });
  for (const file of fs.readdirSync(path.join(root, 'examples'))) {
    if (/\.ts$|^tsconfig\.json$/.test(file)) fs.copyFileSync(path.join(root, 'examples', file), path.join(scratch, file));
  }
}, 300_000);

afterAll(async () => {
  await server?.stop('SIGKILL');
  await site?.close();
  await dropDb?.();
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});

describe('the packed client in a project of its own', () => {
  it('installs with its three dependencies and nothing of the server', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(scratch, 'node_modules', '@archon', 'client', 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    expect(Object.keys(pkg.dependencies).sort()).toEqual(['@trpc/client', '@trpc/server', 'superjson']);
    for (const serverDep of ['drizzle-orm', 'zod', 'next', '@electric-sql/pglite', 'postgres', 'inngest']) {
      expect(fs.existsSync(path.join(scratch, 'node_modules', serverDep)), serverDep).toBe(false);
    }
    const dist = path.join(scratch, 'node_modules', '@archon', 'client', 'dist');
    for (const file of fs.readdirSync(dist)) {
      const text = fs.readFileSync(path.join(dist, file), 'utf8');
      expect(text, file).not.toMatch(/from '\.\.\/|import\("\.\.\/|server\/routers/);
    }
  });

  // A probe that fails to compile if the types were `any`: each @ts-expect-error must meet an error.
  const PROBE = `import { createArchonClient, errorCode, ArchonHttpError, type RouterInputs, type RouterOutputs, type UploadJob, type ImportResult } from '@archon/client';
const archon = createArchonClient({ url: 'http://127.0.0.1:1', apiKey: 'ak_x' });
export async function probe() {
  const sources: RouterOutputs['knowledge']['sources'] = await archon.knowledge.sources.query({ limit: 5 });
  const title: string = sources.items[0]!.title;
  const crawl: RouterInputs['knowledge']['crawl'] = { url: 'https://example.com', maxPages: 3, mode: 'recursive' };
  // @ts-expect-error maxPages is a number
  const bad: RouterInputs['knowledge']['crawl'] = { url: 'https://example.com', maxPages: 'many' };
  // @ts-expect-error no such procedure
  await archon.knowledge.crawlEverything.mutate({});
  // @ts-expect-error a query is not a mutation
  await archon.knowledge.sources.mutate({});
  const job: UploadJob = await archon.uploadFiles([new File(['# a'], 'a.md')], { tags: ['x'] });
  const started: Date | null = job.startedAt;
  const result: ImportResult = await archon.importSource(new Uint8Array(), { onConflict: 'copy' });
  // @ts-expect-error not a conflict mode
  await archon.importSource(new Uint8Array(), { onConflict: 'merge' });
  archon.tasks.onChange.subscribe({ projectId: 'p' }, { onData: ({ id, data }) => console.log(id, data.taskId, data.createdAt.getTime()) });
  const { stream } = await archon.exportSource('s', { embeddings: false });
  const code: string = errorCode(new ArchonHttpError('x', 404, 'NOT_FOUND'));
  return [title, crawl, bad, started, result, stream, code];
}
`;

  it('type-checks with moduleResolution NodeNext, and the examples compile', async () => {
    fs.writeFileSync(path.join(scratch, 'probe.ts'), PROBE);
    // examples/tsconfig.json is NodeNext; it also emits the examples run below.
    await sh(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: scratch });
    expect(fs.readdirSync(path.join(scratch, 'dist')).sort()).toEqual(
      ['connect.js', 'crawl.js', 'probe.js', 'search.js', 'tasks-board.js', 'upload-folder.js'].sort(),
    );
  });

  it('type-checks with moduleResolution Bundler, without the Node types', async () => {
    fs.writeFileSync(
      path.join(scratch, 'tsconfig.bundler.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'ESNext',
          moduleResolution: 'Bundler',
          strict: true,
          skipLibCheck: true,
          noEmit: true,
          lib: ['ES2022', 'DOM', 'DOM.Iterable'],
          types: [],
        },
        files: ['probe.ts'],
      }),
    );
    await sh(process.execPath, [tsc, '-p', 'tsconfig.bundler.json'], { cwd: scratch });
  });

  it('reports a wrong type in a consumer (the check is not vacuous)', async () => {
    fs.writeFileSync(
      path.join(scratch, 'wrong.ts'),
      `${PROBE.replace('const title: string = sources.items[0]!.title;', 'const title: number = sources.items[0]!.title;')}`,
    );
    fs.writeFileSync(path.join(scratch, 'tsconfig.wrong.json'), JSON.stringify({ extends: './tsconfig.bundler.json', files: ['wrong.ts'] }));
    await expect(sh(process.execPath, [tsc, '-p', 'tsconfig.wrong.json'], { cwd: scratch })).rejects.toThrow(/wrong\.ts.*TS2322/);
  });
});

describe('the examples against a running Archon', () => {
  let sourceId: string;

  it('crawls a site and follows its progress to the end', async () => {
    const { stdout } = await example('crawl', [`${site.url}/docs/`, '20', 'recursive']);
    expect(stdout).toMatch(/^job [0-9a-f-]{36} started for source (\S+)$/m);
    expect(stdout).toMatch(/running: \d+\/\d+ pages/);
    expect(stdout).toMatch(/ended completed: [1-9]\d* pages, [1-9]\d* chunks/);
    sourceId = /for source (\S+)/.exec(stdout)![1]!;
  });

  it('searches what was crawled', async () => {
    const { stdout } = await example('search', ['widgets arranging algorithm', sourceId]);
    expect(stdout).toMatch(/^1\. .+\n {3}http:\/\/127\.0\.0\.1:\d+\/docs\//m);
  });

  it('uploads a folder of files, streamed from disk', async () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'archon-upload-example-'));
    fs.writeFileSync(path.join(folder, 'one.md'), '# One\n\nThe first note, about flux capacitors.\n');
    fs.writeFileSync(path.join(folder, 'two.txt'), 'The second note, about gigawatts.\n');
    fs.writeFileSync(path.join(folder, '.hidden'), 'not uploaded');
    try {
      const { stdout } = await example('upload-folder', [folder, 'Example notes']);
      expect(stdout).toMatch(/^uploading 2 file\(s\): job [0-9a-f-]{36}, source upload-/m);
      expect(stdout).toMatch(/^completed: 2 page\(s\), 0 failed, [1-9]\d* chunks$/m);
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });

  it('creates tasks and prints the board changes as they arrive', async () => {
    const { stdout } = await example('tasks-board', []);
    const events = stdout.split('\n').filter((l) => l.startsWith('#'));
    expect(events.map((l) => l.replace(/^#\d+ /, ''))).toEqual([
      'created: Write the README',
      'created: Add a search page',
      'created: Ship it',
      'moved: Write the README → doing',
    ]);
  });

  it('says how to run an example without a key, with exit code 2', async () => {
    const err = await example('search', ['x'], { ARCHON_API_KEY: '' }).catch((e: { code: number; stderr: string }) => e);
    expect(err).toMatchObject({ code: 2, stderr: expect.stringContaining('Set ARCHON_API_KEY') });
  });
});

describe('the installed client', () => {
  /** The package as the consumer resolves it (its Node entry), loaded into this test. */
  const load = async () =>
    (await import(path.join(scratch, 'node_modules', '@archon', 'client', 'dist', 'node.js'))) as typeof import('../../packages/client/src/node');
  const ws = async () => (await import(path.join(scratch, 'node_modules', 'ws', 'wrapper.mjs'))).default;

  it('exports a source as a stream and imports it back as a copy', async () => {
    const { createArchonClient } = await load();
    const archon = createArchonClient({ url: server.url, apiKey: TEST_API_KEY });
    const [source] = (await archon.knowledge.sources.query({ kind: 'url' })).items;
    const { filename, stream } = await archon.exportSource(source!.id);
    expect(filename).toBe(`${source!.id}.archon.jsonl.gz`);
    const file = path.join(scratch, filename);
    fs.writeFileSync(file, Buffer.from(await new Response(stream).arrayBuffer()));
    await expect(archon.importSource(file)).rejects.toMatchObject({ name: 'ArchonHttpError', status: 409, code: 'CONFLICT' });
    const copy = await archon.importSource(file, { onConflict: 'copy' });
    expect(copy).toMatchObject({ copied: true, sourceId: `${source!.id}-copy-1`, pages: source!.pageCount });
    await archon.close();
  });

  it('asks queries whose input is longer than an address may be', async () => {
    const { createArchonClient } = await load();
    const archon = createArchonClient({ url: server.url, apiKey: TEST_API_KEY });
    // 2,000 CJK characters: 18 KB once percent-encoded, past Node's 16 KiB request head as a GET.
    const found = await archon.knowledge.search.query({ query: '検索'.repeat(1000), limit: 1 });
    expect(found.results).toBeInstanceOf(Array);
    await archon.close();
  });

  it('refuses a wrong key and an unreachable server with codes a program can tell apart', async () => {
    const { createArchonClient, errorCode } = await load();
    const wrong = createArchonClient({ url: server.url, apiKey: 'ak_000000000000_nope' });
    expect(errorCode(await wrong.auth.me.query().catch((e: unknown) => e))).toBe('UNAUTHORIZED');
    expect(errorCode(await wrong.uploadFiles([new File(['x'], 'x.md')]).catch((e: unknown) => e))).toBe('UNAUTHORIZED');
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const { port } = probe.address() as net.AddressInfo;
    await new Promise((r) => probe.close(r));
    const gone = createArchonClient({ url: `http://127.0.0.1:${port}`, apiKey: TEST_API_KEY });
    expect(errorCode(await gone.system.health.query().catch((e: unknown) => e))).toBe('NETWORK');
    // Node 20 without `ws`: queries work (above), and a subscription says what is missing.
    const failed = await new Promise<Error>((resolve) => gone.jobs.onProgress.subscribe({}, { onError: resolve }));
    expect(failed.message).toMatch(/^Subscriptions need a WebSocket, and this runtime has none: pass `ws`/);
    expect(() => createArchonClient({ url: `${server.url}/mcp`, apiKey: TEST_API_KEY })).toThrow(/without \/mcp/);
    await Promise.all([wrong.close(), gone.close()]);
  });

  it('resumes a subscription after its connection drops, with no event lost or repeated', async () => {
    const { createArchonClient } = await load();
    // A TCP relay in front of the server whose connections the test cuts.
    const sockets = new Set<net.Socket>();
    const relay = net.createServer((client) => {
      const upstream = net.connect(Number(new URL(server.url).port), '127.0.0.1');
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('error', () => {});
        s.on('close', () => sockets.delete(s));
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
    const relayUrl = `http://127.0.0.1:${(relay.address() as net.AddressInfo).port}`;
    const states: string[] = [];
    const archon = createArchonClient({ url: relayUrl, apiKey: TEST_API_KEY, ws: await ws(), onConnection: (s) => states.push(s) });
    const project = await archon.projects.create.mutate({ title: 'Resume' });
    const seen: { id: string; title: unknown }[] = [];
    let started!: () => void;
    const listening = new Promise<void>((r) => (started = r));
    const sub = archon.tasks.onChange.subscribe(
      { projectId: project.id },
      {
        onStarted: () => started(),
        onData: ({ id, data }) => seen.push({ id, title: (data.payload.task as { title?: string } | undefined)?.title }),
      },
    );
    await listening;
    const waitFor = async (n: number) => {
      for (let i = 0; i < 200 && seen.length < n; i++) await new Promise((r) => setTimeout(r, 50));
      expect(seen.length).toBeGreaterThanOrEqual(n);
    };
    await archon.tasks.create.mutate({ projectId: project.id, title: 'before' });
    await waitFor(1);
    for (const s of sockets) s.destroy();
    // Written while the client is disconnected (straight to the server): delivered after the reconnect, from where it stopped.
    const direct = createArchonClient({ url: server.url, apiKey: TEST_API_KEY });
    await direct.tasks.create.mutate({ projectId: project.id, title: 'while away' });
    await archon.tasks.create.mutate({ projectId: project.id, title: 'after' });
    await waitFor(3);
    await new Promise((r) => setTimeout(r, 300));
    expect(seen.map((e) => e.title)).toEqual(['before', 'while away', 'after']);
    expect(new Set(seen.map((e) => e.id)).size).toBe(3);
    expect(states.filter((s) => s === 'open').length).toBeGreaterThanOrEqual(2);
    sub.unsubscribe();
    await Promise.all([archon.close(), direct.close()]);
    relay.close();
  });

  it('tells a browser (no file system) to pass Blobs, not paths', async () => {
    const { createArchonClient } = (await import(
      path.join(scratch, 'node_modules', '@archon', 'client', 'dist', 'index.js')
    )) as typeof import('../../packages/client/src/index');
    const archon = createArchonClient({ url: server.url, apiKey: TEST_API_KEY });
    await expect(archon.uploadFiles(['notes.md'])).rejects.toThrow('file paths work in Node only; pass a Blob or File here');
    await archon.close();
  });
});
