import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DocsSite, fixturePage, startDocsSite } from '../fixtures/docs-site';
import { launchChromium } from '../helpers/browser';
import { createServerDatabase, testDbKind } from '../helpers/db';
import { type ServerProcess, startServerProcess, TEST_OWNER } from '../helpers/server-process';
import { createArchonClient } from '../helpers/trpc-client';
import { waitFor } from '../helpers/wait';

/**
 * Crawled and uploaded content is untrusted: XSS payloads from a crawled page
 * and from an uploaded Markdown file are inert when the dashboard renders
 * them in Chromium (no script runs, no javascript: link survives).
 */
const PAYLOAD_HTML = `<h1>Totally normal docs</h1>
<p>Intro text that mentions widgets.</p>
<script>window.__xss = 'script tag'</script>
<img src="x" onerror="window.__xss = 'img onerror'">
<p><a href="javascript:window.__xss='crawled javascript link'">crawled link</a></p>
<p>&lt;img src=x onerror="window.__xss='escaped html became markup'"&gt;</p>
<svg onload="window.__xss='svg onload'"><circle r="1"/></svg>
<iframe src="javascript:window.__xss='iframe'"></iframe>
<pre><code>&lt;script&gt;window.__xss = 'code block'&lt;/script&gt;</code></pre>`;

const PAYLOAD_MD = `# Uploaded notes

[markdown javascript link](javascript:window.__xss='md link')

[spaced scheme](  JaVaScRiPt:window.__xss='mixed case')

[data link](data:text/html;base64,PHNjcmlwdD53aW5kb3cuX194c3M9J2RhdGEnPC9zY3JpcHQ+)

<script>window.__xss = 'raw script in markdown'</script>

<img src="x" onerror="window.__xss='raw img in markdown'">

<a href="javascript:window.__xss='raw anchor'">raw anchor</a>

![image](javascript:window.__xss='image src')
`;

let server: ServerProcess;
let site: DocsSite;
let browser: Browser;
let dropDb: (() => Promise<void>) | undefined;

beforeAll(async () => {
  site = await startDocsSite();
  site.setPage('/docs/xss', fixturePage('XSS', PAYLOAD_HTML));
  const env: Record<string, string> = { EMBEDDING_DIMENSIONS: '64', CRAWL_ALLOWED_HOSTS: site.host };
  if (testDbKind() === 'postgres') {
    const db = await createServerDatabase();
    env.DATABASE_URL = db.url;
    dropDb = db.drop;
  }
  server = await startServerProcess(env);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.stop('SIGKILL');
  await site?.close();
  await dropDb?.();
});

describe('rendering untrusted content', () => {
  it('keeps XSS payloads from crawled pages and uploads inert in the browser', async () => {
    const { client, wsClient } = createArchonClient(server.url);
    const finished = (id: string) =>
      waitFor(
        async () => {
          const j = await client.jobs.get.query({ id });
          return ['completed', 'failed', 'cancelled'].includes(j.status) ? j : null;
        },
        60_000,
        `job ${id}`,
      );
    const crawl = await finished((await client.knowledge.crawl.mutate({ url: `${site.url}/docs/xss`, mode: 'single' })).id);
    const upload = await finished(
      (await client.knowledge.upload.mutate({ files: [{ name: 'notes.md', contentBase64: Buffer.from(PAYLOAD_MD).toString('base64') }] })).id,
    );
    expect([crawl.status, upload.status]).toEqual(['completed', 'completed']);
    const pageIds = [
      ...(await client.knowledge.listPages.query({ sourceId: crawl.sourceId! })).items.map((p) => p.id),
      ...(await client.knowledge.listPages.query({ sourceId: upload.sourceId! })).items.map((p) => p.id),
    ];
    expect(pageIds).toHaveLength(2);
    await wsClient.close();

    const context = await browser.newContext();
    const signIn = await context.request.post(`${server.url}/api/auth/login`, { data: TEST_OWNER });
    expect(signIn.status()).toBe(200);
    const page = await context.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });

    for (const id of pageIds) {
      const res = await page.goto(`${server.url}/knowledge/pages/${id}`);
      expect(res?.status()).toBe(200);
      expect(res?.headers()['content-security-policy']).toMatch(/script-src/);
      const content = page.locator('[data-testid=page-content]');
      await expect(content.textContent()).resolves.toMatch(/Totally normal docs|Uploaded notes/);
      // Click every link the content kept; a javascript: URL would run now.
      for (const link of await content.locator('a').all()) await link.click({ modifiers: ['Alt'], noWaitAfter: true }).catch(() => {});
      await page.waitForTimeout(300);
      const found = await page.evaluate(() => ({
        xss: (window as unknown as { __xss?: string }).__xss ?? null,
        scripts: [
          ...document.querySelectorAll('[data-testid=page-content] script, [data-testid=page-content] iframe, [data-testid=page-content] svg'),
        ].length,
        handlers: [...document.querySelectorAll('[data-testid=page-content] *')].filter((el) =>
          [...el.attributes].some((a) => a.name.startsWith('on')),
        ).length,
        badUrls: [...document.querySelectorAll('[data-testid=page-content] [href], [data-testid=page-content] [src]')]
          .map((el) => el.getAttribute('href') ?? el.getAttribute('src') ?? '')
          .filter((u) => /^\s*(javascript|vbscript|data):/i.test(u)),
      }));
      expect(found, `page ${id}`).toEqual({ xss: null, scripts: 0, handlers: 0, badUrls: [] });
    }
    expect(dialogs).toEqual([]);
    // Without a session the viewer sends people to sign in.
    const anonymous = await (await browser.newContext()).newPage();
    await anonymous.goto(`${server.url}/knowledge/pages/${pageIds[0]}`);
    expect(new URL(anonymous.url()).pathname).toBe('/login');
  });
});
