import fs from 'node:fs';
import type http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../db';
import { jobEvents, jobs } from '../../db/schema';
import {
  controlLiveSocket,
  type Dashboard,
  expectNoSeriousA11yViolations,
  measureRender,
  type RenderTiming,
  screenshot,
  startDashboard,
  summarise,
  THEMES,
  trpcAs,
  waitForLive,
  waitForPageReady,
} from '../helpers/dashboard';
import { testDbKind } from '../helpers/db';
import { clockOffset, recordLogRows } from '../helpers/live-log';
import { type LoopbackSite, serveLoopback } from '../helpers/loopback-site';
import { TEST_OWNER } from '../helpers/server-process';
import { createArchonClient } from '../helpers/trpc-client';
import { waitFor } from '../helpers/wait';

/**
 * The Search and Jobs pages in Chromium against the built server: searching,
 * opening a result at its section, code search and copy, the URL holding the
 * search, untrusted content staying inert; a job's log streaming live (and
 * how fast: from an event's write to the browser showing it), a dropped
 * connection resuming without gaps, cancelling, what a viewer sees, a
 * 10,000-event log; axe and screenshots in both themes.
 */

// ---------------------------------------------------------------------------
// A small site to crawl: docs with sections and code, a page of XSS payloads,
// 420 quick pages for a busy crawl, and slow pages for a crawl to cancel.
// ---------------------------------------------------------------------------

const para = (text: string, times: number) => `<p>${Array.from({ length: times }, () => text).join(' ')}</p>`;
const html = (title: string, body: string, links: string[] = []) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body><main><article>${body}</article>${
    links.length ? `<nav><ul>${links.map((l) => `<li><a href="${l}">${l}</a></li>`).join('')}</ul></nav>` : ''
  }</main></body></html>`;

const DOCS: Record<string, string> = {
  '/docs/': html('Frobnicator docs', `<h1>Frobnicator docs</h1>${para('The frobnicator arranges widgets on trays for the packing line.', 12)}`, [
    '/docs/install',
    '/docs/xss',
  ]),
  '/docs/install': html(
    'Installing the frobnicator',
    `<h1 id="top">Installing the frobnicator</h1>
     ${para('This guide walks through installing the frobnicator on a packing line.', 10)}
     <h2 id="requirements">Requirements</h2>
     ${para('You need a tray press, a spindle rated for twelve hundred units, and a quiet room for calibration.', 9)}
     <h2 id="configuring">Configuring widgets</h2>
     ${para('When configuring widgets, the frobnicator reads widgets.toml and checks every tray size before it starts.', 9)}
     <pre><code class="language-typescript">import { frobnicate } from 'frob';
const arranged = frobnicate({ widgets: 12, mode: 'fast' });
console.log(arranged.trays.length, 'trays arranged');</code></pre>
     <h2 id="troubleshooting">Troubleshooting</h2>
     ${para('If the spindle stalls, lower the tray count and restart the press after a short pause.', 9)}`,
  ),
  // Untrusted content: every payload must stay text wherever the dashboard shows it.
  '/docs/xss': html(
    'Zanzibar &lt;img src=x onerror="window.__xss=\'title\'"&gt;',
    `<h1>Zanzibar payloads &lt;script&gt;window.__xss='heading'&lt;/script&gt;</h1>
     <p>The zanzibar page quotes &lt;script&gt;window.__xss='escaped'&lt;/script&gt; and &lt;img src=x onerror="window.__xss='escaped img'"&gt; as text.</p>
     <script>window.__xss = 'script tag'</script>
     <img src="x" onerror="window.__xss = 'img onerror'">
     <p><a href="javascript:window.__xss='javascript link'">zanzibar link</a> and <a href="data:text/html,<script>alert(1)</script>">zanzibar data</a></p>
     <svg onload="window.__xss='svg'"><circle r="1"/></svg>
     ${para('Zanzibar spice routes carried cloves across the ocean for centuries.', 8)}
     <h2 id="zanzibar-markup">Zanzibar markup</h2>
     <p>The zanzibar example below is markup that must never run:</p>
     <pre><code class="language-html">&lt;script&gt;window.__xss = 'code block zanzibar'&lt;/script&gt;
&lt;img src="x" onerror="window.__xss = 'code img'"&gt;
&lt;a href="javascript:window.__xss = 'code link'"&gt;zanzibar&lt;/a&gt;</code></pre>`,
  ),
};

const SECTIONS = 100;
const LEAVES = 50;
const SLOW_PAGES = 40;
/**
 * 5,000 leaves answering in 20 ms: a crawl reports progress once per batch of
 * 20 URLs, so it sends a few events a second for as long as the test lets it run.
 */
const LEAF_DELAY_MS = 20;

function siteHandler(req: http.IncomingMessage, res: http.ServerResponse) {
  const p = new URL(req.url ?? '/', 'http://site').pathname;
  const send = (body: string, delay = 0) =>
    setTimeout(() => {
      if (res.destroyed) return;
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(body);
    }, delay);
  if (DOCS[p]) return send(DOCS[p]);
  // /big/ (and /big2/, another source) → 20 sections → 20 leaves each: a crawl that keeps its job busy for a while.
  let m = /^\/(big\d*)\/$/.exec(p);
  if (m)
    return send(
      html(
        'Big',
        '<h1>Big</h1><p>Index of sections.</p>',
        Array.from({ length: SECTIONS }, (_, i) => `/${m![1]}/s${i}/`),
      ),
    );
  m = /^\/(big\d*)\/s(\d+)\/$/.exec(p);
  if (m)
    return send(
      html(
        `Section ${m[2]}`,
        `<h1>Section ${m[2]}</h1><p>Leaves of section ${m[2]}.</p>`,
        Array.from({ length: LEAVES }, (_, j) => `/${m![1]}/s${m![2]}/p${j}`),
      ),
      20,
    );
  m = /^\/(big\d*)\/s(\d+)\/p(\d+)$/.exec(p);
  if (m)
    return send(
      html(`Leaf ${m[2]}.${m[3]}`, `<h1>Leaf ${m[2]}.${m[3]}</h1>${para(`Leaf ${m[3]} of section ${m[2]} describes tray ${m[3]}.`, 6)}`),
      LEAF_DELAY_MS,
    );
  if (p === '/slow/')
    return send(
      html(
        'Slow',
        '<h1>Slow</h1><p>Slow pages.</p>',
        Array.from({ length: SLOW_PAGES }, (_, j) => `/slow/p${j}`),
      ),
    );
  m = /^\/slow\/p(\d+)$/.exec(p);
  if (m) return send(html(`Slow ${m[1]}`, `<h1>Slow ${m[1]}</h1>${para('A page that takes its time.', 5)}`), 2_000);
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end('not found');
}

// ---------------------------------------------------------------------------
// A finished job with a 10,000-event log, written into the embedded database
// before the server starts (the server holds the database while it runs).
// ---------------------------------------------------------------------------

const BIG_LOG = 10_000;

async function seedBigJob(dataDir: string): Promise<{ id: string; lastEventId: number }> {
  const handle = await openDatabase({ dataDir, embeddingDimensions: 64 });
  try {
    const start = Date.now() - 3_600_000;
    const at = (i: number) => new Date(start + i * 250);
    const [job] = await handle.db
      .insert(jobs)
      .values({
        kind: 'crawl',
        status: 'completed',
        input: { startUrl: 'https://docs.example.com/handbook/', maxPages: 5000 },
        pagesDiscovered: 4_990,
        pagesFetched: 4_971,
        pagesFailed: 19,
        chunksStored: 29_940,
        embeddingsDone: 29_940,
        createdAt: at(0),
        updatedAt: at(BIG_LOG - 1),
        startedAt: at(1),
        finishedAt: at(BIG_LOG - 1),
      })
      .returning({ id: jobs.id });
    // As the services write them: a status or progress event carries the job's row as it then was.
    const snapshot = (i: number, status: string, done: number, finished = false) => ({
      id: job!.id,
      kind: 'crawl',
      status,
      sourceId: null,
      pagesDiscovered: 4_990,
      pagesFetched: Math.max(0, done - Math.floor(done / 250)),
      pagesSkipped: 0,
      pagesFailed: Math.floor(done / 250),
      chunksStored: done * 6,
      embeddingsDone: done * 6,
      embeddingsFailed: 0,
      error: null,
      createdBy: null,
      createdAt: at(0).toISOString(),
      updatedAt: at(i).toISOString(),
      startedAt: i > 0 ? at(1).toISOString() : null,
      finishedAt: finished ? at(i).toISOString() : null,
    });
    const rows = Array.from({ length: BIG_LOG }, (_, i) => {
      const done = Math.round((i / (BIG_LOG - 2)) * 4_990);
      const event = (kind: string, payload: Record<string, unknown>) => ({ jobId: job!.id, kind, payload, createdAt: at(i) });
      if (i === 0) return event('status', snapshot(i, 'queued', 0));
      if (i === 1) return event('status', snapshot(i, 'running', 0));
      if (i === BIG_LOG - 1) return event('status', snapshot(i, 'completed', 4_990, true));
      if (i % 97 === 0)
        return event('log', { level: 'warn', message: `https://docs.example.com/handbook/page-${i}: 503 Service Unavailable, retrying` });
      return event('progress', snapshot(i, 'running', done));
    });
    let lastEventId = 0;
    for (let i = 0; i < rows.length; i += 1_000) {
      const ids = await handle.db
        .insert(jobEvents)
        .values(rows.slice(i, i + 1_000))
        .returning({ id: jobEvents.id });
      lastEventId = Math.max(lastEventId, ...ids.map((r) => r.id));
    }
    return { id: job!.id, lastEventId };
  } finally {
    await handle.close();
  }
}

// ---------------------------------------------------------------------------

let app: Dashboard;
let site: LoopbackSite;
let bigJobId: string | null = null;
let bigLastEventId = 0;
let docsJobId = '';
const timings: RenderTiming[] = [];
const figures: string[] = [];

beforeAll(async () => {
  site = await serveLoopback(siteHandler);
  const env: Record<string, string> = { CRAWL_ALLOWED_HOSTS: site.host };
  // On a PostgreSQL server the kit makes the database itself, so the 10,000-event job is seeded on the embedded one only.
  if (testDbKind() === 'pglite') {
    env.ARCHON_DATA_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'archon-e2e-'));
    ({ id: bigJobId, lastEventId: bigLastEventId } = await seedBigJob(env.ARCHON_DATA_DIR));
  }
  app = await startDashboard({ env });
  // The knowledge every search test reads: the docs (technical, tagged) and a business note.
  const api = createArchonClient(app.url);
  try {
    const crawl = await api.client.knowledge.crawl.mutate({
      url: `${site.base}/docs/`,
      mode: 'recursive',
      maxDepth: 2,
      tags: ['frob'],
      title: 'Frobnicator docs',
    });
    docsJobId = crawl.id;
    const note = await api.client.knowledge.upload.mutate({
      files: [{ name: 'pricing.md', contentBase64: Buffer.from(NOTE).toString('base64') }],
      knowledgeType: 'business',
      tags: ['sales'],
      title: 'Pricing notes',
    });
    for (const id of [crawl.id, note.id]) {
      const done = await waitFor(
        async () => {
          const j = await api.client.jobs.get.query({ id });
          return j.finishedAt ? j : null;
        },
        60_000,
        `job ${id}`,
      );
      expect(done.status, `job ${id}: ${done.error}`).toBe('completed');
    }
  } finally {
    await api.wsClient.close();
  }
});

afterAll(async () => {
  if (timings.length) console.log(`render timings (ms):\n${timings.map((t) => `  ${t.what.padEnd(40)} ${t.ms}`).join('\n')}`);
  if (figures.length) console.log(figures.join('\n'));
  await app?.close();
  await site?.close();
});

const NOTE = `# Pricing notes

## Discounts for widgets

Volume discounts apply when a customer orders more than forty widgets a month; configuring the discount is done by sales.

## Renewals

Renewals are invoiced yearly.
`;

const ownerPage = (theme: 'light' | 'dark' = 'light') => app.signedInPage({ theme });

/** Whatever the page might have run from untrusted content: the marker global, scripts and handlers inside `root`, script URLs. */
async function inertness(page: Page, root: string) {
  return page.evaluate((sel) => {
    const scope = [...document.querySelectorAll(sel)];
    const all = scope.flatMap((el) => [el, ...el.querySelectorAll('*')]);
    return {
      xss: (window as unknown as { __xss?: string }).__xss ?? null,
      // The dashboard's own icons are inline <svg class="lucide">; anything else came from the content.
      elements: all.filter(
        (el) => ['SCRIPT', 'IFRAME', 'OBJECT', 'EMBED', 'IMG'].includes(el.tagName) || (el.tagName === 'svg' && !el.classList.contains('lucide')),
      ).length,
      handlers: all.filter((el) => [...el.attributes].some((a) => a.name.toLowerCase().startsWith('on'))).length,
      badUrls: all.map((el) => el.getAttribute('href') ?? el.getAttribute('src') ?? '').filter((u) => /^\s*(javascript|vbscript|data):/i.test(u)),
    };
  }, root);
}

async function search(page: Page, query: string) {
  const box = page.getByTestId('search-input');
  await box.fill(query);
  await box.press('Enter');
  await page.waitForFunction((q) => new URL(location.href).searchParams.get('q') === q, query);
  await page.locator('[data-testid=search-results], [data-testid=results-summary]').first().waitFor();
}

describe('search', () => {
  it('finds a section with the matched words highlighted, shows its score, and opens the page at that section', async () => {
    const page = await ownerPage();
    await page.goto(`${app.url}/search`);
    await waitForPageReady(page);
    // `/` focuses the box from anywhere on the page.
    await page.locator('main h1').click();
    await page.keyboard.press('/');
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('search-input');

    const t = await measureRender(
      page,
      'search results (typed query)',
      () => page.keyboard.type('configure widgets tray size'),
      '[data-testid=search-result]',
    );
    timings.push(t);
    const first = page.getByTestId('search-result').first();
    await expect(first.locator('h3').textContent()).resolves.toMatch(/Installing the frobnicator.*Configuring widgets/);
    // "configure" matches "Configuring" through the stemmer; the marks are the server's matched words.
    const marks = await page.locator('[data-testid=search-results] mark').allTextContents();
    expect(marks.map((m) => m.toLowerCase())).toEqual(expect.arrayContaining(['configuring', 'widgets']));
    expect(new URL(page.url()).searchParams.get('q')).toBe('configure widgets tray size');

    // Score parts on demand.
    const toggle = first.getByRole('button', { name: /Score/ });
    await expect(toggle.getAttribute('aria-expanded')).resolves.toBe('false');
    await toggle.click();
    await expect(toggle.getAttribute('aria-expanded')).resolves.toBe('true');
    const breakdown = page.locator(`#${await toggle.getAttribute('aria-controls')}`);
    await expect(breakdown.textContent()).resolves.toMatch(/Fused score.*Vector rank.*Text rank/);

    // The title opens the page viewer at the section's heading.
    await first.locator('h3 a').click();
    await page.waitForURL(/\/knowledge\/pages\/[0-9a-f-]{36}#h-configuring-widgets$/);
    const heading = page.locator('#h-configuring-widgets');
    await expect(heading.textContent()).resolves.toBe('Configuring widgets');
    // Scrolled to it: the heading is on screen, and the page moved to get there.
    await expect
      .poll(() =>
        heading.evaluate((el) => ({
          top: el.getBoundingClientRect().top >= 0,
          onScreen: el.getBoundingClientRect().bottom <= innerHeight,
          scrolled: scrollY > 0,
        })),
      )
      .toEqual({ top: true, onScreen: true, scrolled: true });
  });

  it('keeps the query and filters in the URL: shareable, reload-safe, and the back button steps through them', async () => {
    const page = await ownerPage();
    await page.goto(`${app.url}/search`);
    await search(page, 'widgets');
    const all = await page.getByTestId('search-result').count();
    expect(all).toBeGreaterThan(1);

    // Full text, the "frob" tag, technical, as pages.
    await page.getByTestId('filter-mode').click();
    await page.getByRole('option', { name: 'Full text' }).click();
    await page.waitForFunction(() => new URL(location.href).searchParams.get('mode') === 'fulltext');
    await page.getByTestId('filter-tags').click();
    await page.getByRole('menuitemcheckbox', { name: /frob/ }).click();
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => new URL(location.href).searchParams.getAll('tag').join() === 'frob');
    await page.getByTestId('filter-type').click();
    await page.getByRole('option', { name: 'Technical' }).click();
    await page.getByTestId('return-pages').click();
    await page.waitForFunction(() => new URL(location.href).searchParams.get('return') === 'pages');
    // Until the new answer comes, the previous results stay on screen, dimmed and marked busy.
    await page.locator('section[aria-labelledby=results-heading]:not([aria-busy]) [data-testid=search-result]').first().waitFor();
    const url = new URL(page.url());
    expect(Object.fromEntries(url.searchParams)).toEqual({ q: 'widgets', mode: 'fulltext', tag: 'frob', type: 'technical', return: 'pages' });
    await page.getByTestId('search-result').first().waitFor();
    const filtered = await page.getByTestId('search-result').allTextContents();
    expect(filtered.join(' ')).not.toMatch(/Pricing notes/);

    // A fresh tab with the shared URL shows the same search.
    const other = await await page.context().newPage();
    await other.goto(url.toString());
    await other.getByTestId('search-result').first().waitFor();
    await expect(other.getByTestId('search-input').inputValue()).resolves.toBe('widgets');
    await expect(other.getByTestId('filter-mode').textContent()).resolves.toMatch(/Full text/);
    await expect(other.getByTestId('filter-tags').textContent()).resolves.toMatch(/Tags: frob/);
    await expect(other.getByTestId('filter-type').textContent()).resolves.toMatch(/Technical/);
    await expect(other.getByTestId('return-pages').getAttribute('aria-checked')).resolves.toBe('true');
    await expect(other.getByTestId('search-result').allTextContents()).resolves.toEqual(filtered);
    await other.close();

    // Back steps through the changes: the return mode, then the type.
    await page.goBack();
    await page.waitForFunction(() => !new URL(location.href).searchParams.has('return'));
    await expect(page.getByTestId('return-chunks').getAttribute('aria-checked')).resolves.toBe('true');
    await page.goBack();
    await page.waitForFunction(() => !new URL(location.href).searchParams.has('type'));
    await expect(page.getByTestId('filter-type').textContent()).resolves.toMatch(/Any/);

    // Nothing matches the business type with the docs' tag: the page says so and offers to loosen the filters.
    await page.getByTestId('filter-type').click();
    await page.getByRole('option', { name: 'Business' }).click();
    await page.getByText(/Nothing matches/).waitFor();
    await expect(page.locator('main').textContent()).resolves.toMatch(/Loosen them/);
    // Two changes in the same moment both hold: each is made to the URL as it is, not to the last render's state.
    await page.evaluate(() => {
      for (const id of ['return-pages', 'clear-filters']) (document.querySelector(`[data-testid=${id}]`) as HTMLElement).click();
    });
    await page.getByTestId('search-result').first().waitFor();
    expect([...new URL(page.url()).searchParams.keys()].sort()).toEqual(['mode', 'q', 'return']);
  });

  it('searches code examples, highlighted, with a copy button that copies the code', async () => {
    const page = await ownerPage();
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: app.url });
    await page.goto(`${app.url}/search?tab=code`);
    await search(page, 'frobnicate arranged trays');
    const result = page.getByTestId('code-result').first();
    await result.waitFor();
    await expect(result.locator('h3').textContent()).resolves.toMatch(/\S/);
    // shiki's tokens are coloured spans, not an HTML string.
    await expect.poll(() => result.locator('pre code span[style*="color"]').count(), { timeout: 10_000 }).toBeGreaterThan(3);
    await result.getByRole('button', { name: /^Copy/ }).click();
    await expect.poll(() => result.locator('[role=status]').textContent(), { timeout: 5_000 }).toBe('Copied');
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toContain("const arranged = frobnicate({ widgets: 12, mode: 'fast' });");
    expect(new URL(page.url()).searchParams.get('tab')).toBe('code');
  });

  it('shows crawled <script> and javascript: payloads as inert text in results and code results', async () => {
    const page = await ownerPage();
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(`${app.url}/search?q=zanzibar`);
    await page.getByTestId('search-result').first().waitFor();
    const text = await page.getByTestId('search-results').textContent();
    // The payloads are there, as text.
    expect(text).toContain("<script>window.__xss='escaped'</script>");
    for (const link of await page.locator('[data-testid=search-results] a').all()) {
      const href = (await link.getAttribute('href')) ?? '';
      expect(href).not.toMatch(/^\s*(javascript|data|vbscript):/i);
    }
    expect(await inertness(page, '[data-testid=search-results]')).toEqual({ xss: null, elements: 0, handlers: 0, badUrls: [] });

    await page.goto(`${app.url}/search?tab=code&q=zanzibar`);
    const code = page.getByTestId('code-result').first();
    await code.waitFor();
    await expect(code.locator('pre').textContent()).resolves.toContain(`<script>window.__xss = 'code block zanzibar'</script>`);
    await page.waitForTimeout(500); // shiki's tokens replace the plain code
    const inert = await inertness(page, '[data-testid=search-results]');
    expect(inert).toEqual({ xss: null, elements: 0, handlers: 0, badUrls: [] });
    expect(dialogs).toEqual([]);
  });

  it('passes axe with results in both themes, and looks right', async () => {
    for (const theme of THEMES) {
      const page = await ownerPage(theme);
      await page.goto(`${app.url}/search`);
      await waitForPageReady(page);
      await expectNoSeriousA11yViolations(page, `search, empty (${theme})`);
      await screenshot(page, 'search-start', theme);

      const t = await measureRender(
        page,
        `search results, loaded (${theme})`,
        () => page.goto(`${app.url}/search?q=frobnicator+tray+spindle`),
        '[data-testid=search-result]',
      );
      timings.push(t);
      await page.getByTestId('search-result').first().getByRole('button', { name: /Score/ }).click();
      await expectNoSeriousA11yViolations(page, `search results (${theme})`);
      await screenshot(page, 'search-results', theme);

      await page.goto(`${app.url}/search?q=widgets&return=pages&tag=frob`);
      await page.getByTestId('search-result').first().waitFor();
      await page.getByTestId('filter-sources').click();
      await expectNoSeriousA11yViolations(page, `search, pages with a filter menu open (${theme})`);
      await screenshot(page, 'search-pages-filter', theme);
      await page.keyboard.press('Escape');

      await page.goto(`${app.url}/search?tab=code&q=frobnicate`);
      await page.getByTestId('code-result').first().waitFor();
      await expect
        .poll(() => page.locator('[data-testid=code-result] pre code span[style*="color"]').count(), { timeout: 10_000 })
        .toBeGreaterThan(3);
      await expectNoSeriousA11yViolations(page, `code search (${theme})`);
      await screenshot(page, 'search-code', theme);

      // Hybrid search always has nearest neighbours; filters that exclude everything leave nothing.
      await page.goto(`${app.url}/search?q=widgets&type=business&tag=frob`);
      await page.getByText(/Nothing matches/).waitFor();
      await expectNoSeriousA11yViolations(page, `search, no results (${theme})`);
      await screenshot(page, 'search-no-results', theme);
      await page.context().close();
    }
  });
});

// ---------------------------------------------------------------------------
// Jobs
// ---------------------------------------------------------------------------

/** Every event of a job, in order, through the API (the log must show exactly these). */
async function allEvents(jobId: string): Promise<{ id: number; kind: string; status?: string }[]> {
  const { client, wsClient } = createArchonClient(app.url);
  const events: { id: number; kind: string; status?: string }[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const sub = client.jobs.onProgress.subscribe(
        { jobId, lastEventId: null },
        {
          onData: (e: { id: string; data: { id: number; kind: string; payload: { status?: string } } }) => {
            events.push({ id: e.data.id, kind: e.data.kind, status: e.data.payload.status });
            if (e.data.kind === 'status' && ['completed', 'failed', 'cancelled'].includes(e.data.payload.status ?? '')) {
              sub.unsubscribe();
              resolve();
            }
          },
          onError: reject,
        },
      );
    });
  } finally {
    await wsClient.close();
  }
  return events;
}

const jobFinished = (api: ReturnType<typeof trpcAs>, id: string, timeoutMs = 120_000) =>
  waitFor(
    async () => {
      const j = await api.query('jobs.get', { id });
      return j.finishedAt ? j : null;
    },
    timeoutMs,
    `job ${id}`,
  );

async function pageEventIds(page: Page): Promise<number[]> {
  return page.evaluate(() => [...(window as unknown as { __rows: Map<number, unknown> }).__rows.keys()].sort((a, b) => a - b));
}

describe('jobs', () => {
  it('streams a running crawl’s log live, every event once, within a bound that no polling meets', async () => {
    const page = await ownerPage();
    const api = trpcAs(page.context(), app.url);
    const recorder = await recordLogRows(page);
    const job = await api.mutate('knowledge.crawl', { url: `${site.base}/big/`, mode: 'recursive', maxDepth: 3, maxPages: 5_000, concurrency: 4 });
    await page.goto(`${app.url}/jobs/${job.id}`);
    await page.getByTestId('job-log').waitFor();
    await waitForLive(page);
    // Events from before the page was watching arrive as a backlog; only those written from now on count.
    const { offset, rtt } = await clockOffset(page);
    const watchingFrom = (await page.evaluate(() => performance.timeOrigin + performance.now())) + offset;
    const measured = async () => (await recorder.rows()).filter((r) => r.createdAt > watchingFrom);
    // The counters move on screen as the crawl goes.
    const fetched = () => page.getByTestId('job-counts').locator('dd').nth(1).textContent();
    const before = await fetched();
    await expect.poll(async () => (await measured()).length, { timeout: 180_000, interval: 1_000 }).toBeGreaterThanOrEqual(120);
    expect(await fetched()).not.toBe(before);

    // Enough measured: stop the crawl from elsewhere (unless it just finished); the page follows to the end.
    await api.mutate('jobs.cancel', { id: job.id }).catch((err: Error) => expect(err.message).toMatch(/already completed/));
    await page
      .locator('[data-testid=job-status][data-status=cancelled], [data-testid=job-status][data-status=completed]')
      .first()
      .waitFor({ timeout: 30_000 });
    await expect.poll(() => page.getByTestId('log-live').textContent(), { timeout: 10_000 }).toBe('Finished');
    const expected = await allEvents(job.id);
    await expect.poll(() => page.getByTestId('event-count').getAttribute('data-count'), { timeout: 10_000 }).toBe(String(expected.length));
    await expect.poll(() => pageEventIds(page), { timeout: 10_000 }).toEqual(expected.map((e) => e.id));

    const rows = await measured();
    const latencies = rows.map((r) => r.seenAt + offset - r.createdAt);
    const s = summarise(latencies);
    figures.push(
      `live latency, event written → row painted (ms, ${s.n} events, clock offset ${offset.toFixed(1)} ms ± ${(rtt / 2).toFixed(1)}): p50 ${s.p50.toFixed(1)}, p95 ${s.p95.toFixed(1)}, max ${s.max.toFixed(1)}`,
    );
    expect(s.n).toBeGreaterThanOrEqual(100);
    // The 100 ms target is measured by bench/dashboard.ts on a quiet machine; here, beside other suites on two shared
    // cores, the bound only catches a stream that stalls or polls.
    expect(s.p95).toBeLessThan(1_000);
  });

  it('resumes after a dropped connection with every event once, in order', async () => {
    const page = await ownerPage();
    const api = trpcAs(page.context(), app.url);
    await recordLogRows(page);
    const socket = await controlLiveSocket(page, app.server);
    const job = await api.mutate('knowledge.crawl', { url: `${site.base}/big2/`, mode: 'recursive', maxDepth: 3, maxPages: 120, concurrency: 2 });
    await page.goto(`${app.url}/jobs/${job.id}`);
    await page.getByTestId('job-log').waitFor();
    await waitForLive(page);
    await expect.poll(() => page.getByTestId('event-count').getAttribute('data-count').then(Number), { timeout: 30_000 }).toBeGreaterThan(5);
    await socket.drop();
    await page.waitForTimeout(1_500);
    await page.locator('[data-testid=job-status][data-status=completed]').first().waitFor({ timeout: 120_000 });
    expect(socket.connections()).toBeGreaterThanOrEqual(2);
    const expected = await allEvents(job.id);
    await expect.poll(() => pageEventIds(page), { timeout: 10_000 }).toEqual(expected.map((e) => e.id));
    await expect(page.getByTestId('event-count').getAttribute('data-count')).resolves.toBe(String(expected.length));
  });

  it('cancels a running crawl after confirmation, showing it at once; a viewer gets no cancel button', async () => {
    const page = await ownerPage();
    const api = trpcAs(page.context(), app.url);
    const job = await api.mutate('knowledge.crawl', { url: `${site.base}/slow/`, mode: 'recursive', maxDepth: 2, concurrency: 1 });
    await page.goto(`${app.url}/jobs/${job.id}`);
    await page.locator('[data-testid=job-status][data-status=running]').first().waitFor({ timeout: 30_000 });

    // A viewer watching the same job sees it, live, with no way to cancel it, here or in the list.
    const { token } = await api.mutate('users.invite', { email: 'viewer@example.com', role: 'viewer' });
    const viewerContext: BrowserContext = await app.newContext();
    const joined = await viewerContext.request.post(`${app.url}/api/auth/accept-invite`, {
      data: { token, password: 'viewer pass phrase 42', name: 'Vera Viewer' },
      headers: { origin: app.url },
    });
    expect(joined.status()).toBe(201);
    const viewer = await viewerContext.newPage();
    await viewer.goto(`${app.url}/jobs/${job.id}`);
    await viewer.locator('[data-testid=job-status][data-status=running]').first().waitFor();
    await viewer.getByTestId('job-log').waitFor();
    await expect(viewer.getByTestId('cancel-job').count()).resolves.toBe(0);
    await viewer.goto(`${app.url}/jobs`);
    await viewer.locator(`[data-testid=job-row][data-job-id="${job.id}"]`).waitFor();
    await expect(viewer.getByTestId('cancel-job').count()).resolves.toBe(0);
    await expect(viewer.getByRole('columnheader', { name: 'Actions' }).count()).resolves.toBe(0);

    await page.getByTestId('cancel-job').click();
    await expect.poll(() => page.getByTestId('cancel-job').getAttribute('aria-expanded'), { timeout: 5_000 }).toBe('true');
    const dialog = page.getByRole('alertdialog');
    await expect(dialog.textContent()).resolves.toMatch(/Cancel the crawl of .*\?.*stays searchable/);
    for (const theme of THEMES) {
      await page.emulateMedia({ colorScheme: theme });
      await expectNoSeriousA11yViolations(page, `cancel dialog (${theme})`);
      await screenshot(page, 'job-cancel-dialog', theme);
    }
    await page.emulateMedia({ colorScheme: 'light' });
    await dialog.getByRole('button', { name: 'Cancel job' }).click();
    // Optimistic: cancelled on screen before the server's own status event could have come back.
    await page.locator('[data-testid=job-status][data-status=cancelled]').first().waitFor({ timeout: 1_000 });
    await expect(page.getByTestId('cancel-job').count()).resolves.toBe(0);
    const done = await jobFinished(api, job.id, 30_000);
    expect(done.status).toBe('cancelled');
    // The viewer's list follows live.
    await viewer
      .locator(`[data-testid=job-row][data-job-id="${job.id}"] [data-testid=job-status][data-status=cancelled]`)
      .waitFor({ timeout: 10_000 });
    await viewerContext.close();
  });

  it('lists jobs with who started them, filters by status and kind in the URL, and links to each', async () => {
    const page = await ownerPage();
    const t = await measureRender(page, 'jobs list', () => page.goto(`${app.url}/jobs`), '[data-testid=job-row]');
    timings.push(t);
    const docsRow = page.locator(`[data-testid=job-row][data-job-id="${docsJobId}"]`);
    await expect(docsRow.textContent()).resolves.toMatch(/Frobnicator docs.*Completed.*pages.*chunks/);
    // Who started it: the test owner (ARCHON_OWNER_EMAIL makes them "Owner"), their email on hover.
    await expect(docsRow.textContent()).resolves.toContain('Owner');
    await expect(docsRow.locator(`[title="${TEST_OWNER.email}"]`).count()).resolves.toBe(1);

    await page.getByTestId('status-cancelled').click();
    await page.waitForFunction(() => new URL(location.href).searchParams.get('status') === 'cancelled');
    await expect
      .poll(async () =>
        (
          await page.locator('[data-testid=job-row] [data-testid=job-status]').evaluateAll((els) => els.map((e) => e.getAttribute('data-status')))
        ).every((s) => s === 'cancelled'),
      )
      .toBe(true);
    await page.getByTestId('filter-kind').click();
    await page.getByRole('option', { name: 'Upload' }).click();
    await page.getByText('No jobs match these filters').waitFor();
    expect(Object.fromEntries(new URL(page.url()).searchParams)).toEqual({ status: 'cancelled', kind: 'upload' });
    await page.reload();
    await page.getByText('No jobs match these filters').waitFor();
    await page.goBack();
    await page.waitForFunction(() => !new URL(location.href).searchParams.has('kind'));
    await page.getByTestId('status-all').click();
    await docsRow.locator('a').first().click();
    await page.waitForURL(`${app.url}/jobs/${docsJobId}`);
    await expect(page.locator('main h1').textContent()).resolves.toBe('Crawl of Frobnicator docs');
    // No Inngest server here: no link to one.
    await expect(page.getByTestId('inngest-link').count()).resolves.toBe(0);
  });

  it('loads a 10,000-event log quickly and scrolls it smoothly', async (ctx) => {
    if (!bigJobId) return ctx.skip();
    const page = await ownerPage();
    await page.goto(`${app.url}/jobs`);
    await waitForLive(page);
    const longTasks = await page.evaluate(() => {
      const w = window as unknown as { __long: number[] };
      w.__long = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) w.__long.push(e.duration);
      }).observe({ type: 'longtask' });
      return true;
    });
    expect(longTasks).toBe(true);
    // Done when the log has every event and, following, shows the last one.
    const lastRow = `[data-testid=job-log] [data-event-id="${bigLastEventId}"]`;
    const loaded = await measureRender(
      page,
      '10,000-event log: navigation to all shown',
      async () => {
        await page.getByRole('link', { name: /docs\.example\.com\/handbook/ }).click();
        await page.waitForFunction((n) => document.querySelector('[data-testid=event-count]')?.getAttribute('data-count') === String(n), BIG_LOG, {
          timeout: 60_000,
        });
      },
      lastRow,
    );
    timings.push(loaded);
    await expect(page.locator(lastRow).textContent()).resolves.toMatch(/Completed/);
    const rendered = await page.locator('[data-testid=job-log] [data-event-id]').count();
    expect(rendered).toBeLessThan(100); // virtualised: only what is on screen

    // Scroll from the bottom to the top and back, a screenful per frame, timing each frame.
    const frames = await page.evaluate(async () => {
      const el = document.querySelector<HTMLElement>('[data-testid=job-log] [role=log]')!;
      const deltas: number[] = [];
      let last = performance.now();
      const step = el.clientHeight;
      const frame = () => new Promise<void>((r) => requestAnimationFrame(() => r()));
      for (let i = 0; i < 120; i++) {
        el.scrollTop = i < 60 ? el.scrollHeight - el.clientHeight - i * step * 5 : (i - 60) * step * 5;
        await frame();
        const now = performance.now();
        deltas.push(now - last);
        last = now;
      }
      return deltas;
    });
    const f = summarise(frames);
    const long = await page.evaluate(() => (window as unknown as { __long: number[] }).__long);
    figures.push(
      `10,000-event log: all shown ${loaded.ms} ms after the click; scrolling ${f.n} frames: p50 ${f.p50.toFixed(1)} ms, p95 ${f.p95.toFixed(1)} ms, max ${f.max.toFixed(1)} ms; long tasks during load ${long.length} (longest ${Math.round(Math.max(0, ...long))} ms)`,
    );
    // Smoothness is measured by bench/dashboard.ts; a log that renders every row takes seconds a frame, which this catches.
    expect(f.p95).toBeLessThan(250);
    // Rows are there wherever the scroll stopped.
    await expect(page.locator('[data-testid=job-log] [data-event-id]').count()).resolves.toBeGreaterThan(5);
  });

  it('passes axe on the list and a job in both themes, and looks right', async () => {
    for (const theme of THEMES) {
      const page = await ownerPage(theme);
      await page.goto(`${app.url}/jobs`);
      await page.getByTestId('job-row').first().waitFor();
      await expectNoSeriousA11yViolations(page, `jobs (${theme})`);
      await screenshot(page, 'jobs-list', theme);

      const t = await measureRender(
        page,
        `job detail (${theme})`,
        () => page.goto(`${app.url}/jobs/${docsJobId}`),
        '[data-testid=job-log] [data-event-id]',
      );
      timings.push(t);
      await page.locator('[data-testid=job-status][data-status=completed]').first().waitFor();
      await expectNoSeriousA11yViolations(page, `job detail (${theme})`);
      await screenshot(page, 'job-detail', theme);
      if (bigJobId) {
        await page.goto(`${app.url}/jobs/${bigJobId}`);
        await page.waitForFunction((n) => document.querySelector('[data-testid=event-count]')?.getAttribute('data-count') === String(n), BIG_LOG, {
          timeout: 60_000,
        });
        await expectNoSeriousA11yViolations(page, `job detail, 10,000 events (${theme})`);
        await screenshot(page, 'job-detail-big-log', theme);
      }
      await page.context().close();
    }
  });
});
