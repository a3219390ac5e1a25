import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LoopbackSite, serveLoopback } from '../helpers/loopback-site';
import { createTestRuntime, jobSettled, type TestRuntime } from '../helpers/runtime';

let rt: TestRuntime;
let site: LoopbackSite;

const prose = (word: string) =>
  `${word} ${'The parameters this function takes are described here at length, so that the section stands on its own. '.repeat(8)}`;

// API reference pages repeat the same subheadings under each entry ("Parameters", "Returns", "Example").
const API_PAGE = `<!doctype html><html><head><title>API</title></head><body><main>
<h1 id="api">API</h1>
<h2 id="foo">foo()</h2><p>${prose('Calls foo.')}</p>
<h3 id="parameters">Parameters</h3><p>${prose('zebrafoo')}</p>
<h2 id="bar">bar()</h2><p>${prose('Calls bar.')}</p>
<h3 id="parameters-1">Parameters</h3><p>${prose('quokkabar')}</p>
<h2 id="vec">Vec&lt;T&gt;</h2><p>${prose('wombatvec')}</p>
</main></body></html>`;

beforeAll(async () => {
  site = await serveLoopback((req, res) => {
    if (req.url === '/api/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(API_PAGE);
    } else {
      res.writeHead(404).end();
    }
  });
  rt = await createTestRuntime({ runner: true, env: { CRAWL_ALLOWED_HOSTS: site.host, EMBEDDING_DIMENSIONS: '256' } });
});
afterAll(async () => {
  await rt?.close();
  await site?.close();
});

describe('search result links to a section', () => {
  it("links a passage under the second of two same-named headings to that heading's anchor, not the first's", async () => {
    const job = await jobSettled(rt, (await rt.caller.knowledge.crawl({ url: `${site.base}/api/`, mode: 'single', respectRobots: false })).id);
    expect(job.status).toBe('completed');
    const res = await rt.caller.knowledge.search({ query: 'quokkabar', mode: 'fulltext', returnMode: 'chunks', sourceIds: [job.sourceId!] });
    const hit = res.results.find((h) => 'content' in h && h.content.includes('quokkabar'));
    expect(hit && 'headingPath' in hit ? hit.headingPath : null).toEqual(['API', 'bar()', 'Parameters']);
    expect(hit?.url).toBe(`${site.base}/api/#parameters-1`);
    const foo = await rt.caller.knowledge.search({ query: 'zebrafoo', mode: 'fulltext', returnMode: 'chunks', sourceIds: [job.sourceId!] });
    expect(foo.results[0]?.url).toBe(`${site.base}/api/#parameters`);
  });

  it('links a passage under a heading with characters Markdown escapes (Vec<T>) to that heading', async () => {
    const [source] = (await rt.caller.knowledge.sources({ query: '/api' })).items;
    const res = await rt.caller.knowledge.search({ query: 'wombatvec', mode: 'fulltext', returnMode: 'chunks', sourceIds: [source!.id] });
    expect(res.results[0]?.url).toBe(`${site.base}/api/#vec`);
  });
});
