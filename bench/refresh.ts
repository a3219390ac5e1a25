// What a refresh costs next to the first crawl: the PostgreSQL 15 manual
// (copied to a temporary directory) is crawled through Archon's pipeline with
// an OpenAI-compatible provider (the test suite's fake, counting calls), then
// refreshed unchanged with ETags, with Last-Modified dates and with neither,
// then refreshed after 2% of its pages were edited. Prints one JSON line per run.
//   npm run bench:refresh [-- --mode embedded|postgres]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dispatch } from '../inngest/dispatch';
import { startCrawl, startRefresh } from '../server/services/crawl/start-crawl';
import { startFakeOpenAI } from '../test/fixtures/fake-openai';
import { type BenchMode, MANUAL_DIR, manualCrawlInput, requireManual, serverUrl, startBenchRuntime, waitForJob } from './harness';
import { serveDirectory, type Validators } from './static-server';

const args = process.argv.slice(2);
const only = args.includes('--mode') ? (args[args.indexOf('--mode') + 1] as BenchMode) : undefined;
requireManual();

async function run(mode: BenchMode) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'archon-manual-'));
  fs.cpSync(MANUAL_DIR, dir, { recursive: true });
  const fake = await startFakeOpenAI({ dimensions: 1536 });
  const site = await serveDirectory(dir, { validators: 'etag' });
  const runtime = await startBenchRuntime(mode, {
    EMBEDDING_BASE_URL: fake.url,
    EMBEDDING_API_KEY: 'bench',
    EMBEDDING_MODEL: 'text-embedding-3-small',
    EMBEDDING_DIMENSIONS: '256',
  });
  runtime.ingest.network.policy.allowedHosts.push(site.host);
  const rows: Record<string, unknown>[] = [];

  async function measure(label: string, start: () => Promise<{ id: string }>) {
    const calls0 = fake.requests.length;
    const http0 = { ...site.requests };
    const t0 = performance.now();
    const job = await waitForJob(runtime, (await start()).id);
    const seconds = (performance.now() - t0) / 1000;
    const embedCalls = fake.requests.slice(calls0).filter((r) => r.path === '/v1/embeddings');
    rows.push({
      mode,
      run: label,
      status: job.status,
      seconds: Number(seconds.toFixed(1)),
      httpRequests: site.requests.total - http0.total,
      notModified: site.requests.notModified - http0.notModified,
      pagesStored: job.pagesFetched,
      embeddingCalls: embedCalls.length,
      textsEmbedded: embedCalls.reduce((n, r) => n + (Array.isArray(r.body.input) ? r.body.input.length : 1), 0),
    });
    console.log(JSON.stringify(rows.at(-1)));
    return job;
  }

  const crawl = await measure('first crawl', () => startCrawl(runtime.database.db, dispatch, manualCrawlInput(site.url)));
  const sourceId = crawl.sourceId!;
  // A page stores the validators of its last fetch, so after a switch one
  // refresh (not reported) lets the pages learn the new kind first.
  const refresh = () => startRefresh(runtime.database.db, dispatch, sourceId);
  async function switchTo(v: Validators) {
    site.setValidators(v);
    await waitForJob(runtime, (await refresh()).id);
  }
  await measure('refresh, unchanged (etag)', refresh);
  await switchTo('last-modified');
  await measure('refresh, unchanged (last-modified)', refresh);
  await switchTo('none');
  await measure('refresh, unchanged (no validators)', refresh);
  await switchTo('etag');
  // Edit 2% of the pages: a paragraph added at the end of the body.
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.html'))
    .sort();
  const edited = files.filter((_, i) => i % 50 === 0);
  for (const f of edited) {
    const file = path.join(dir, f);
    fs.writeFileSync(
      file,
      fs.readFileSync(file, 'utf8').replace('</body>', '<p>Benchmark edit: this paragraph is new in the refreshed manual.</p></body>'),
    );
  }
  await measure(`refresh, ${edited.length} pages edited (etag)`, refresh);

  await runtime.close();
  await site.close();
  await fake.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

const modes: BenchMode[] = only ? [only] : ['embedded', 'postgres'];
for (const mode of modes) {
  if (mode === 'postgres' && !serverUrl()) {
    console.log('postgres: skipped (set BENCH_DATABASE_URL to a PostgreSQL 15+ server with pgvector)');
    continue;
  }
  await run(mode);
}
process.exit(0);
