import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDocsSite } from '../fixtures/docs-site';
import { runArchon, tempDirs } from '../helpers/cli-process';

/**
 * `archon` on an embedded database of its own (no server), as people and
 * scripts run it: user mistakes are said in one line naming what was wrong.
 */

const temp = tempDirs();
let dataDir: string;
let work: string;
const run = (args: string[], env: Record<string, string> = {}) =>
  runArchon(args, { cwd: work, env: { ARCHON_DATA_DIR: dataDir, EMBEDDING_DIMENSIONS: '64', ...env } });

beforeAll(async () => {
  dataDir = temp.make('cli-cli-data-');
  work = temp.make('cli-cli-work-');
  fs.writeFileSync(
    path.join(work, 'widgets.md'),
    '# Widgets\n\nWidgets are calibrated with the gizmo.\n\n```ts\nconst widget = calibrate(gizmo, { turns: 3 });\n```\n',
  );
  const uploaded = await run(['upload', 'widgets.md']);
  expect(uploaded.code, uploaded.stderr).toBe(0);
}, 120_000);

afterAll(temp.removeAll);

describe('archon search --source with a source that does not exist', () => {
  it('says the source does not exist, as the MCP tools do, rather than "No results." with exit code 0', async () => {
    const found = await run(['search', 'widgets']);
    expect(found.stdout).toMatch(/^1\. Widgets/);
    for (const args of [
      ['search', 'widgets', '--source', 'upload-0000-mistyped'],
      ['search', 'calibrate', '--code', '--source', 'upload-0000-mistyped'],
    ]) {
      const r = await run(args);
      expect({ args, code: r.code, stderr: r.stderr, stdout: r.stdout }).toEqual({
        args,
        code: 1,
        stderr: "archon: Source 'upload-0000-mistyped' does not exist\n",
        stdout: '',
      });
    }
  });
});

describe('archon with ARCHON_URL set to an endpoint rather than Archon', () => {
  it('names ARCHON_URL, which the user set, not --url, which they did not give', async () => {
    const r = await run(['status'], { ARCHON_URL: 'http://127.0.0.1:3737/mcp', ARCHON_API_KEY: `ak_000000000000_${'x'.repeat(43)}` });
    expect({ code: r.code, stderr: r.stderr }).toEqual({
      code: 2,
      stderr: "archon: ARCHON_URL is Archon's own address, not an endpoint: use http://127.0.0.1:3737\n",
    });
    // And --url is not called ARCHON_URL: archon mcp given --url without a key said "ARCHON_URL is set".
    const mcp = await run(['--url', 'http://127.0.0.1:3737', 'mcp']);
    expect({ code: mcp.code, stderr: mcp.stderr }).toEqual({
      code: 2,
      stderr: expect.stringMatching(/^archon: Archon's address is set \(http:\/\/127\.0\.0\.1:3737\), so ARCHON_API_KEY must be too/),
    });
    const flag = await run(['--url', 'http://127.0.0.1:3737/api/trpc', 'status'], { ARCHON_API_KEY: `ak_000000000000_${'x'.repeat(43)}` });
    expect(flag).toMatchObject({ code: 2, stderr: expect.stringMatching(/'http:\/\/127\.0\.0\.1:3737\/api\/trpc' is invalid/) });
  });
});

describe('archon --no-wait on the local database', () => {
  it('starts the job and returns, as the README says; the job can be cancelled, or followed later, which runs it', async () => {
    const site = await startDocsSite();
    try {
      const env = { CRAWL_ALLOWED_HOSTS: site.host };
      const crawl = await run(['crawl', `${site.url}/docs/`, '--max-pages', '3', '--no-wait'], env);
      expect({ code: crawl.code, stderr: crawl.stderr }).toEqual({ code: 0, stderr: '' });
      const crawlJob = /^Started crawl job ([0-9a-f-]{36}) for source \S+\. Follow it with: archon jobs watch \1$/m.exec(crawl.stdout)?.[1];
      expect(crawlJob, crawl.stdout).toBeDefined();
      const queued = JSON.parse((await run(['--json', 'jobs', '--status', 'queued'], env)).stdout) as { items: { id: string }[] };
      expect(queued.items.map((j) => j.id)).toContain(crawlJob);
      expect(await run(['jobs', 'cancel', crawlJob!], env)).toMatchObject({ code: 0, stdout: `Cancelled job ${crawlJob} (crawl).\n` });

      const upload = await run(['--json', 'upload', 'widgets.md', '--title', 'Later', '--no-wait'], env);
      expect({ code: upload.code, stderr: upload.stderr }).toEqual({ code: 0, stderr: '' });
      const uploadJob = (JSON.parse(upload.stdout) as { id: string }).id;
      const watched = await run(['jobs', 'watch', uploadJob], env);
      expect(watched).toMatchObject({ code: 0, stdout: expect.stringMatching(/^job completed\. 1\/1 pages/m) });
    } finally {
      await site.close();
    }
  });
});

describe('archon status with more jobs waiting than one page of the job list', () => {
  it('counts the running and the queued jobs, not the running among the newest hundred', async () => {
    const { openEmbedded } = await import('../../db/pglite');
    const { jobs } = await import('../../db/schema');
    const handle = await openEmbedded(dataDir);
    try {
      // One crawl running for a while, then an upload of many files queued as many jobs after it.
      await handle.db.insert(jobs).values({ kind: 'crawl', status: 'running', createdAt: new Date(Date.now() - 3_600_000) });
      await handle.db.insert(jobs).values(Array.from({ length: 120 }, () => ({ kind: 'upload' as const, status: 'queued' as const })));
    } finally {
      await handle.close();
    }
    const status = await run(['--json', 'status']);
    expect(JSON.parse(status.stdout).jobs).toEqual({ running: 1, queued: 120 });
  });
});
