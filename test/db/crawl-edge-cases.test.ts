import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { htmlLinks, htmlPage, type LoopbackSite, serveLoopback } from '../helpers/loopback-site';
import { createTestRuntime, jobSettled, type TestRuntime } from '../helpers/runtime';

let rt: TestRuntime;
let site: LoopbackSite;

const routes = new Map<string, { status?: number; headers?: Record<string, string>; body?: string | Buffer }>();

beforeAll(async () => {
  site = await serveLoopback((req, res) => {
    const route = routes.get(req.url ?? '');
    if (!route) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(route.status ?? 200, { 'content-type': 'text/html; charset=utf-8', ...route.headers });
    res.end(route.body ?? '');
  });
  rt = await createTestRuntime({ runner: true, env: { CRAWL_ALLOWED_HOSTS: site.host, EMBEDDING_DIMENSIONS: '256' } });
});
afterAll(async () => {
  await rt?.close();
  await site?.close();
});

const crawlToEnd = async (input: Parameters<TestRuntime['caller']['knowledge']['crawl']>[0]) =>
  jobSettled(rt, (await rt.caller.knowledge.crawl({ respectRobots: false, ...input })).id);

describe('crawling awkward sites', () => {
  it('names the source after its start page when the start URL redirects (/guide → /guide/)', async () => {
    routes.set('/guide', { status: 301, headers: { location: '/guide/' } });
    routes.set('/guide/', { body: htmlPage('Frobnicator Guide', 'How to frobnicate.') });
    const job = await crawlToEnd({ url: `${site.base}/guide`, mode: 'single' });
    expect(job.status).toBe('completed');
    const source = await rt.caller.knowledge.source({ id: job.sourceId! });
    expect(source.pageCount).toBe(1);
    expect(source.title).toBe('Frobnicator Guide');
  });

  it('reads an llms-full.txt section by the URL it is stored and listed under (its #section-… fragment is part of it)', async () => {
    const part = (title: string, word: string) => `# ${title}\n\n${`${word} is explained in this part of the manual at some length. `.repeat(8)}`;
    routes.set('/llms-full.txt', {
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body: [part('Getting started', 'Installing'), part('Configuration', 'Configuring')].join('\n\n'),
    });
    const job = await crawlToEnd({ url: `${site.base}/llms-full.txt` });
    expect(job.status).toBe('completed');
    const listed = await rt.caller.knowledge.listPages({ sourceId: job.sourceId! });
    const config = listed.items.find((p) => p.title === 'Configuration')!;
    expect(config.url).toMatch(/#section-1-configuration$/);
    const page = await rt.caller.knowledge.readPage({ url: config.url });
    expect(page.id).toBe(config.id);
    expect(page.content).toContain('Configuring');
  });

  it('refuses a start URL that carries a user name and password, rather than storing the password in every page URL it ignores', async () => {
    routes.set('/private/', { body: htmlPage('Private', 'Behind a password.') });
    const url = `http://ann:s3cret@${site.host}/private/`;
    await expect(rt.caller.knowledge.crawl({ url, mode: 'single', respectRobots: false })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/^url: .*password/),
    });
    const { items } = await rt.caller.knowledge.sources({ query: 's3cret' });
    expect(items).toEqual([]);
  });

  it("stores a batch whose one page has an enormous <title>, rather than failing every page of it on the title's search index", async () => {
    // Every chunk carries its page's title into its full-text index, which PostgreSQL caps at 1 MB.
    const hugeTitle = Array.from({ length: 200_000 }, (_, i) => `w${i.toString(36)}`).join(' ');
    routes.set('/big/', { body: htmlPage('Big index', `Start here. ${htmlLinks('/big/a', '/big/b')}`) });
    routes.set('/big/a', {
      body: `<!doctype html><html><head><title>${hugeTitle}</title></head><body><main><p>Zanzibar text.</p></main></body></html>`,
    });
    routes.set('/big/b', { body: htmlPage('Big B', 'Quixotic text about the second page.') });
    const job = await crawlToEnd({ url: `${site.base}/big/`, mode: 'recursive', maxDepth: 2 });
    expect(job.error).toBeNull();
    expect(job).toMatchObject({ status: 'completed', pagesFailed: 0, pagesFetched: 3 });
    const listed = await rt.caller.knowledge.listPages({ sourceId: job.sourceId! });
    expect(listed.items.map((p) => p.url.replace(site.base, '')).sort()).toEqual(['/big/', '/big/a', '/big/b']);
    const a = listed.items.find((p) => p.url.endsWith('/big/a'))!;
    expect(a.title.length).toBeLessThan(10_000);
    expect(a.title.startsWith('w0 w1 w2')).toBe(true);
  });

  it("takes a crawled Markdown page's title from its front matter and keeps the YAML out of its text, as an uploaded one does", async () => {
    const md = [
      '---',
      'id: getting-started',
      'title: Getting Started with Widgets',
      'sidebar_position: 2',
      '---',
      '',
      'Widgets are small. This page walks through installing them and making the first one.',
      '',
      '## Install',
      '',
      'Install the package with npm before anything else.',
    ].join('\n');
    routes.set('/md/getting-started.md', { headers: { 'content-type': 'text/markdown; charset=utf-8' }, body: md });
    const job = await crawlToEnd({ url: `${site.base}/md/getting-started.md`, mode: 'single' });
    expect(job.status).toBe('completed');
    const [page] = (await rt.caller.knowledge.listPages({ sourceId: job.sourceId! })).items;
    const read = await rt.caller.knowledge.readPage({ pageId: page!.id });
    expect(read.title).toBe('Getting Started with Widgets');
    expect(read.content).not.toContain('sidebar_position');
    expect(read.content.startsWith('Widgets are small.')).toBe(true);
  });

  it("crawls a docs directory recursively when the site's root sitemap lists none of its pages, rather than finding nothing", async () => {
    // The marketing site's sitemap at the root; the docs under /handbook/ are not in it.
    routes.set('/sitemap.xml', {
      headers: { 'content-type': 'application/xml' },
      body: `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>${site.base}/pricing</loc></url></urlset>`,
    });
    routes.set('/pricing', { body: htmlPage('Pricing', 'Plans and prices.') });
    routes.set('/handbook/', { body: htmlPage('Handbook', `The handbook. ${htmlLinks('/handbook/setup')}`) });
    routes.set('/handbook/setup', { body: htmlPage('Handbook setup', 'Setting things up.') });
    const job = await crawlToEnd({ url: `${site.base}/handbook/` });
    expect(job.status).toBe('completed');
    const listed = await rt.caller.knowledge.listPages({ sourceId: job.sourceId! });
    expect(listed.items.map((p) => p.url.replace(site.base, '')).sort()).toEqual(['/handbook/', '/handbook/setup']);
  });

  it('re-crawling a source by its other spelling (/rs after /rs/) keeps the URL it crawled, which a refresh then re-crawls', async () => {
    routes.set('/rs/', { body: htmlPage('RS docs', 'The docs directory.') });
    routes.set('/rs', { body: htmlPage('RS page', 'The page without a slash.') });
    const first = await crawlToEnd({ url: `${site.base}/rs/`, mode: 'single' });
    const second = await crawlToEnd({ url: `${site.base}/rs`, mode: 'single', maxPages: 7 });
    expect(second.sourceId).toBe(first.sourceId);
    const source = await rt.caller.knowledge.source({ id: second.sourceId! });
    // The options are the second crawl's; so must the start URL be, or a refresh crawls one URL with another's options.
    expect(source.crawlOptions).toMatchObject({ maxPages: 7 });
    expect(source.url).toBe(`${site.base}/rs`);
    const refresh = await rt.caller.knowledge.refresh({ id: second.sourceId! });
    expect(refresh.input).toMatchObject({ startUrl: `${site.base}/rs`, maxPages: 7 });
    await jobSettled(rt, refresh.id);
  });

  it("titles a crawled Markdown page by its H1, not by a '# comment' in a code block above it", async () => {
    const md = [
      'Start with the setup:',
      '',
      '```bash',
      '# install the dependencies first',
      'npm install',
      '```',
      '',
      '# Widget **Guide**',
      '',
      'The guide.',
    ].join('\n');
    routes.set('/md/guide.md', { headers: { 'content-type': 'text/markdown; charset=utf-8' }, body: md });
    const job = await crawlToEnd({ url: `${site.base}/md/guide.md`, mode: 'single' });
    expect(job.status).toBe('completed');
    const [page] = (await rt.caller.knowledge.listPages({ sourceId: job.sourceId! })).items;
    expect(page!.title).toBe('Widget Guide');
  });

  it('keeps every <article> of a page that holds several side by side (a changelog), not only the longest', async () => {
    const release = (n: number) =>
      `<article><h2>Release ${n}</h2><p>${`Release ${n} brings changes that are listed here in some detail. `.repeat(4)}</p></article>`;
    routes.set('/changelog', {
      body: `<!doctype html><html><head><title>Changelog</title></head><body><nav><a href="/">Home</a></nav><h1>Changelog</h1>${[1, 2, 3, 4].map(release).join('')}<footer>Footer</footer></body></html>`,
    });
    const job = await crawlToEnd({ url: `${site.base}/changelog`, mode: 'single' });
    expect(job.status).toBe('completed');
    const [page] = (await rt.caller.knowledge.listPages({ sourceId: job.sourceId! })).items;
    const { content } = await rt.caller.knowledge.readPage({ pageId: page!.id });
    for (const n of [1, 2, 3, 4]) expect(content, `release ${n}`).toContain(`## Release ${n}`);
    expect(content).not.toContain('Footer');
  });
});
