// The same site crawled twice must store the same chunks and code examples,
// however its pages happened to be fetched and batched. Snippets repeated
// across pages used to be dropped only within a batch, so which copies stayed
// depended on which pages shared one.
import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { chunks, codeExamples, pages } from '../../db/schema';
import { crawlInputSchema } from '../../server/schemas/knowledge';
import { processCrawlBatch } from '../../server/services/crawl/process-batch';
import { beginCrawl, finalizeCrawl } from '../../server/services/crawl/run-crawl';
import { startCrawl } from '../../server/services/crawl/start-crawl';
import { type LoopbackSite, serveLoopback } from '../helpers/loopback-site';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';

const SETUP_SHORT = `import { createFrob } from 'frob';
const frob = createFrob({ trays: 12, tolerance: 0.5, log: '/var/log/frob.log' });
await frob.level({ retries: 3, timeoutMs: 5000 });
frob.on('levelled', (tray) => console.log('levelled', tray.id));`;
// The same setup with a comment: a near-duplicate, longer.
const SETUP = `// Level every tray before use.\n${SETUP_SHORT}`;
const OWN = (n: number) => `def arrange_${n}(widgets):\n    return sorted(widgets, key=lambda w: (w.weight, w.tray_${n}))`;

const page = (n: number, code: string[]) =>
  `<!doctype html><html><head><title>Page ${n}</title></head><body><main><h1>Page ${n}</h1>
<p>How to frob widgets, part ${n}, with enough prose around the code to make a chunk of its own.</p>
${code.map((c, i) => `<h2>Step ${i + 1}</h2><p>Run this.</p><pre><code class="language-${c.startsWith('def') ? 'python' : 'typescript'}">${c.replace(/</g, '&lt;')}</code></pre>`).join('\n')}
</main></body></html>`;

const PAGES: Record<string, string> = {
  '/': `<!doctype html><html><head><title>Frob</title></head><body><main><h1>Frob</h1><p>The frob guide.</p>
${[1, 2, 3, 4].map((n) => `<a href="/p${n}">Page ${n}</a>`).join(' ')}</main></body></html>`,
  '/p1': page(1, [SETUP_SHORT, OWN(1)]),
  '/p2': page(2, [SETUP, OWN(2)]),
  '/p3': page(3, [SETUP, OWN(3)]),
  '/p4': page(4, [OWN(4)]),
};

let rt: TestRuntime;
let site: LoopbackSite;
beforeAll(async () => {
  site = await serveLoopback((req, res) => {
    const body = PAGES[req.url ?? ''];
    res.writeHead(body ? 200 : 404, { 'content-type': 'text/html; charset=utf-8' });
    res.end(body ?? 'not found');
  });
  rt = await createTestRuntime({ env: { CRAWL_ALLOWED_HOSTS: site.host, EMBEDDING_DIMENSIONS: '64' } });
});
afterAll(async () => {
  await rt?.close();
  await site?.close();
});

/** Crawls the site, the pages the start page links to processed in the batches `split` makes of them. */
async function crawl(split: (ids: number[]) => number[][]) {
  const db = rt.database.db;
  const input = crawlInputSchema.parse({ url: `${site.base}/`, mode: 'recursive', maxDepth: 2 });
  const job = await startCrawl(db, async () => {}, input);
  const { batches } = await beginCrawl(rt.ingest, job.id);
  const { newUrlIds } = await processCrawlBatch(rt.ingest, job.id, batches[0]!);
  expect(newUrlIds).toHaveLength(4);
  for (const batch of split(newUrlIds)) await processCrawlBatch(rt.ingest, job.id, batch);
  expect((await finalizeCrawl(rt.ingest, job.id)).status).toBe('completed');
  const path = (url: string) => new URL(url).pathname;
  const examples = await db
    .select({ url: pages.url, index: codeExamples.exampleIndex, code: codeExamples.code })
    .from(codeExamples)
    .innerJoin(pages, eq(pages.id, codeExamples.pageId))
    .where(eq(codeExamples.sourceId, job.sourceId!))
    .orderBy(asc(pages.url), asc(codeExamples.exampleIndex));
  const stored = await db
    .select({ url: pages.url, index: chunks.chunkIndex, content: chunks.content })
    .from(chunks)
    .innerJoin(pages, eq(pages.id, chunks.pageId))
    .where(eq(chunks.sourceId, job.sourceId!))
    .orderBy(asc(pages.url), asc(chunks.chunkIndex));
  return {
    examples: examples.map((e) => ({ ...e, url: path(e.url) })),
    chunks: stored.map((c) => ({ ...c, url: path(c.url) })),
  };
}

it('stores the same chunks and code examples however the pages were batched', async () => {
  const together = await crawl((ids) => [ids]);
  const apart = await crawl((ids) => [...ids].reverse().map((id) => [id]));
  const pairs = await crawl((ids) => [
    [ids[3]!, ids[0]!],
    [ids[2]!, ids[1]!],
  ]);
  expect(apart).toEqual(together);
  expect(pairs).toEqual(together);
  // The setup is kept once, on the first page (in URL order) with its longest form; each page's own snippet stays.
  expect(together.examples.filter((e) => e.code.includes('createFrob'))).toEqual([{ url: '/p2', index: 0, code: SETUP }]);
  expect(together.examples.filter((e) => e.code.startsWith('def')).map((e) => e.url)).toEqual(['/p1', '/p2', '/p3', '/p4']);
  expect(together.chunks.length).toBeGreaterThanOrEqual(5);
});
