import zlib from 'node:zlib';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DocsSite, startDocsSite } from '../fixtures/docs-site';
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
  type Theme,
  trpcAs,
  waitForLive,
  waitForPageReady,
} from '../helpers/dashboard';
import { createArchonClient } from '../helpers/trpc-client';
import { waitFor } from '../helpers/wait';

/**
 * The Knowledge section in Chromium against the built server: crawling from
 * the dialog with live progress to the end, cancelling a crawl midway, a
 * dropped WebSocket catching up without a gap, drag-and-drop uploads with a
 * refused file, editing, refreshing, exporting, importing and deleting a
 * source, inert XSS payloads, a viewer without write actions, axe and
 * screenshots in both themes, and a list of sources paged, sorted and
 * filtered. Timed targets (live latency, 1,000 sources, Lighthouse) are in bench/dashboard.ts.
 */

let app: Dashboard;
let site: DocsSite;
const timings: RenderTiming[] = [];
/** Enough for three pages of 50; bench/dashboard.ts times a list of 1,000. */
const SOURCES = 120;
const sources: Record<'slow' | 'docs' | 'upload' | 'xss', string> = { slow: '', docs: '', upload: '', xss: '' };

const XSS_TITLE = '<img src=x onerror="window.__xss=\'title\'"> Payload docs';
const XSS_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>&lt;img src=x onerror="window.__xss='title'"&gt; Payload docs</title></head>
<body><main><article>
<h1>Payloads <script>window.__xss = 'h1'</script></h1>
<p>A paragraph that carries <a href="javascript:window.__xss='link'">a script link</a> and <a href="JaVaScRiPt:window.__xss='link2'">another</a>.</p>
<script>window.__xss = 'script'</script>
<img src="x" onerror="window.__xss='img'">
<p><svg onload="window.__xss='svg'"></svg><iframe src="javascript:window.__xss='iframe'"></iframe></p>
<h2>Example</h2>
<pre><code class="language-html">&lt;script&gt;window.__xss = 'code'&lt;/script&gt;
&lt;img src=x onerror="window.__xss='code-img'"&gt;
&lt;a href="javascript:window.__xss='code-link'"&gt;click&lt;/a&gt;</code></pre>
</article></main></body></html>`;

beforeAll(async () => {
  site = await startDocsSite();
  site.setPage('/xss/', XSS_PAGE);
  app = await startDashboard({
    env: { CRAWL_ALLOWED_HOSTS: site.host, RATE_LIMIT_UPLOAD_PER_MINUTE: '100000', RATE_LIMIT_CRAWL_PER_MINUTE: '1000' },
  });
});
afterAll(async () => {
  if (timings.length) console.log(`knowledge render timings (ms):\n${timings.map((t) => `  ${t.what.padEnd(48)} ${t.ms}`).join('\n')}`);
  await app?.close();
  await site?.close();
});

const api = (page: Page) => trpcAs(page.context(), app.url);

/** Fails the test if any payload ran: an alert, or the global the payloads set. */
function guard(page: Page) {
  page.on('dialog', (d) => {
    throw new Error(`a dialog opened: ${d.message()}`);
  });
}
const ranPayload = (page: Page) => page.evaluate(() => (window as unknown as { __xss?: string }).__xss ?? null);

async function settled(page: Page, jobId: string, timeoutMs = 60_000) {
  return waitFor(
    async () => {
      // A kept-alive connection the server closes just as it is reused is a reset, not an answer: ask again.
      const job = await api(page)
        .query('jobs.get', { id: jobId })
        .catch((err: Error) => (/ECONNRESET|socket hang up/.test(err.message) ? null : Promise.reject(err)));
      return job && ['completed', 'failed', 'cancelled'].includes(job.status) ? job : null;
    },
    timeoutMs,
    `job ${jobId}`,
  );
}

/** Every event of a job as the server streams it from the start, until it ends: ids and when each was written. */
async function serverEvents(jobId: string): Promise<{ id: number; at: number }[]> {
  const { client, wsClient } = createArchonClient(app.url);
  const ids: { id: number; at: number }[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no end to the stream')), 30_000);
      const sub = client.jobs.onProgress.subscribe(
        { jobId },
        {
          onData: (e) => {
            ids.push({ id: e.data.id, at: new Date(e.data.createdAt).getTime() });
            if (e.data.kind === 'status' && ['completed', 'failed', 'cancelled'].includes(String(e.data.payload.status))) {
              clearTimeout(timer);
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
  return ids;
}

const FORMS = { 'Crawl a site': 'Crawl a website', 'Upload files': 'Upload files', 'Import archive': 'Import an archive' } as const;

/** Opens the add dialog on a tab; returns that tab's form (the others stay mounted, hidden, so nothing typed is lost). */
async function openAddDialog(page: Page, tab: keyof typeof FORMS = 'Crawl a site') {
  await waitForPageReady(page);
  const add = page.getByTestId('add-knowledge');
  if (await add.isVisible()) await add.click();
  else await page.getByRole('button', { name: 'Crawl a site' }).click();
  const dialog = page.getByRole('dialog', { name: 'Add knowledge' });
  await dialog.waitFor();
  await dialog.getByRole('tab', { name: tab }).click();
  return dialog.getByRole('form', { name: FORMS[tab] });
}

async function chooseOption(page: Page, trigger: string, option: string, scope = page.getByRole('dialog')) {
  await scope.getByRole('combobox', { name: trigger }).click();
  await page.getByRole('option', { name: option, exact: true }).click();
}

/** Records every value of the progress rows' data-done and data-status attributes while the page runs. */
async function recordProgress(page: Page) {
  await page.evaluate(() => {
    const w = window as unknown as { __progress: { done: number; status: string; t: number }[] };
    w.__progress = [];
    const read = () => {
      for (const el of document.querySelectorAll('[data-testid=job-progress]')) {
        const done = Number(el.getAttribute('data-done'));
        const status = el.getAttribute('data-status') ?? '';
        const last = w.__progress.at(-1);
        if (!last || last.done !== done || last.status !== status) w.__progress.push({ done, status, t: performance.now() });
      }
    };
    new MutationObserver(read).observe(document.body, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ['data-done', 'data-status'],
    });
  });
  return () => page.evaluate(() => (window as unknown as { __progress: { done: number; status: string; t: number }[] }).__progress);
}

/** When each job event was first on screen: the frame after its id reached a progress element. */
async function recordEventRenders(page: Page) {
  await page.evaluate(() => {
    const w = window as unknown as { __rendered: Map<number, number> };
    w.__rendered = new Map();
    new MutationObserver((records) => {
      const ids = records.map((r) => Number((r.target as Element).getAttribute('data-last-event-id'))).filter((id) => id && !w.__rendered.has(id));
      if (!ids.length) return;
      requestAnimationFrame(() => {
        const at = performance.timeOrigin + performance.now();
        for (const id of ids) w.__rendered.set(id, at);
      });
    }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['data-last-event-id'] });
  });
  return () => page.evaluate(() => [...(window as unknown as { __rendered: Map<number, number> }).__rendered.entries()]);
}

/** When each tracked event's frame reached the page's WebSocket (wall clock, as the server's timestamps). */
function recordEventFrames(page: Page): Map<number, number> {
  const at = new Map<number, number>();
  page.on('websocket', (ws) =>
    ws.on('framereceived', (frame) => {
      const now = Date.now();
      try {
        const messages = [JSON.parse(String(frame.payload))].flat() as { result?: { type?: string; id?: string } }[];
        for (const m of messages) if (m.result?.type === 'data' && m.result.id && !at.has(Number(m.result.id))) at.set(Number(m.result.id), now);
      } catch {
        // not JSON: a ping
      }
    }),
  );
  return at;
}

const row = (page: Page, sourceId: string) => page.locator(`[data-testid=source-row][data-source-id="${sourceId}"]`);

describe('knowledge', () => {
  it('shows the guide to a first source on an empty knowledge base, in both themes', async () => {
    for (const theme of THEMES) {
      const page = await app.signedInPage({ theme });
      await page.goto(`${app.url}/knowledge`);
      await page.getByRole('heading', { name: 'No knowledge yet' }).waitFor();
      await expect(page.getByRole('button', { name: 'Crawl a site' }).isVisible()).resolves.toBe(true);
      await expect(page.getByRole('button', { name: 'Upload files' }).isVisible()).resolves.toBe(true);
      await expectNoSeriousA11yViolations(page, `empty knowledge (${theme})`);
      await screenshot(page, 'knowledge-empty', theme);
    }
  });

  it('refuses bad crawl options under the fields they are about', async () => {
    const page = await app.signedInPage();
    await page.goto(`${app.url}/knowledge?add=crawl`);
    const dialog = page.getByRole('dialog', { name: 'Add knowledge' }).getByRole('form', { name: 'Crawl a website' });
    await dialog.waitFor();
    await dialog.getByRole('textbox', { name: 'URL', exact: true }).fill('ftp://example.com/docs');
    await dialog.getByLabel('Max depth').fill('0');
    await dialog.getByText('Advanced options').click();
    await dialog.getByLabel('Concurrency').fill('99');
    await dialog.getByLabel('Include').fill('/docs/**\n' + 'x'.repeat(501));
    await dialog.getByRole('button', { name: 'Start crawl' }).click();
    const errorOf = async (label: string) => {
      // A required field's label ends with an asterisk (hidden from screen readers).
      const input = dialog.getByLabel(new RegExp(`^${label}\\*?$`));
      await expect.poll(() => input.getAttribute('aria-invalid')).toBe('true');
      const ids = (await input.getAttribute('aria-describedby'))!.split(' ');
      return dialog.locator(`#${ids[0]}`).textContent();
    };
    expect(await errorOf('URL')).toMatch(/http:\/\/ or https:\/\//);
    expect(await errorOf('Max depth')).toMatch(/1/);
    expect(await errorOf('Concurrency')).toMatch(/32/);
    expect(await errorOf('Include')).toMatch(/^Line 2: /);
    // Nothing was created.
    expect((await api(page).query('knowledge.sources')).total).toBe(0);
    await page.close();
  });

  it('crawls a site from the dialog and shows its progress live until it completes', async () => {
    const page = await app.signedInPage();
    guard(page);
    const received = recordEventFrames(page);
    await page.goto(`${app.url}/knowledge`);
    await waitForLive(page);
    const dialog = await openAddDialog(page);
    await dialog.getByRole('textbox', { name: 'URL', exact: true }).fill(`${site.url}/slowdocs/0`);
    await dialog.getByLabel('Max depth').fill('30');
    await dialog.getByLabel('Tags').fill('slow');
    await dialog.getByLabel('Tags').press('Enter');
    await dialog.getByText('Advanced options').click();
    await chooseOption(page, 'Mode', 'Follow links');
    await dialog.getByLabel('Concurrency').fill('1');
    await dialog.getByLabel('Delay (ms)').fill('100');
    const progress = await recordProgress(page);
    const rendered = await recordEventRenders(page);
    await dialog.getByRole('button', { name: 'Start crawl' }).click();
    await page.getByRole('dialog').waitFor({ state: 'detached' });

    const live = page.locator('[data-testid=job-progress]');
    await live.waitFor({ timeout: 15_000 });
    const jobId = (await live.getAttribute('data-job-id'))!;
    const job = await api(page).query('jobs.get', { id: jobId });
    sources.slow = job.sourceId;
    // Mid-crawl: a screenshot of a live row, in both themes (the dark one from a second tab watching the same job).
    await waitFor(async () => Number(await live.getAttribute('data-done')) >= 5, 30_000, 'five pages');
    await screenshot(page, 'knowledge-crawling', 'light');
    const dark = await app.signedInPage({ theme: 'dark' });
    await dark.goto(`${app.url}/knowledge`);
    await dark.locator('[data-testid=job-progress]').waitFor();
    await screenshot(dark, 'knowledge-crawling', 'dark');
    await dark.close();

    await live.waitFor({ state: 'detached', timeout: 60_000 });
    const seen = await progress();
    const done = seen.map((p) => p.done);
    // Live: the row went through many intermediate counts, never backwards, up to every page.
    expect(new Set(done).size).toBeGreaterThanOrEqual(5);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    expect(Math.max(...done)).toBeGreaterThanOrEqual(29);
    expect(seen.some((p) => p.status === 'running')).toBe(true);
    const finished = await settled(page, jobId);
    expect(finished.status).toBe('completed');
    // Live latency: from an event's row being written to the frame that shows it on the source's row.
    const written = new Map((await serverEvents(jobId)).map((e) => [e.id, e.at]));
    const shown = (await rendered()).filter(([id]) => written.has(id));
    // Events written before the row's stream started (the job's first status, while the crawl was being created) arrive as
    // replayed history, not live: only those written after the first one shown count.
    const since = Math.min(...shown.map(([, at]) => at));
    const latencies = shown.filter(([id]) => written.get(id)! > since).map(([id, at]) => Math.max(0, at - written.get(id)!));
    const stats = summarise(latencies);
    // Where the time goes: written → frame received (server and network), received → on screen (the page).
    const arrived = shown.filter(([id]) => written.get(id)! > since && received.has(id));
    const server = summarise(arrived.map(([id]) => received.get(id)! - written.get(id)!));
    const client = summarise(arrived.map(([id, at]) => at - received.get(id)!));
    const ms = (n: number) => `${Math.round(n)} ms`;
    console.log(
      `job event → rendered on the sources list: n=${stats.n} p50=${ms(stats.p50)} p95=${ms(stats.p95)} max=${ms(stats.max)}; ` +
        `written → received p50=${ms(server.p50)} p95=${ms(server.p95)}; received → rendered p50=${ms(client.p50)} p95=${ms(client.p95)}`,
    );
    expect(stats.n).toBeGreaterThanOrEqual(8);
    // The 100 ms target is measured by bench/dashboard.ts on a quiet machine. Here, beside other suites on two shared cores
    // (70 ms alone, 500 ms beside them), the bounds only catch a stream that stalls or polls; the figures are printed.
    expect(client.p95).toBeLessThan(500);
    expect(stats.p95).toBeLessThan(1_500);
    await expect
      .poll(() => row(page, sources.slow).locator('[data-col=pages]').textContent(), { timeout: 10_000 })
      .toBe(String(finished.pagesFetched));
    await page.getByText('Crawl finished').waitFor();
    await row(page, sources.slow).getByText('Embedded', { exact: true }).waitFor();
    await page.close();
  });

  it('cancels a second crawl midway from its row', async () => {
    const page = await app.signedInPage();
    await page.goto(`${app.url}/knowledge`);
    await waitForLive(page);
    const dialog = await openAddDialog(page);
    await dialog.getByRole('textbox', { name: 'URL', exact: true }).fill(`${site.url}/slowdocs/1`);
    await dialog.getByLabel('Max depth').fill('30');
    await dialog.getByText('Advanced options').click();
    await chooseOption(page, 'Mode', 'Follow links');
    await dialog.getByLabel('Concurrency').fill('1');
    await dialog.getByLabel('Delay (ms)').fill('400');
    await dialog.getByRole('button', { name: 'Start crawl' }).click();
    const live = page.locator('[data-testid=job-progress]');
    await live.waitFor({ timeout: 15_000 });
    const jobId = (await live.getAttribute('data-job-id'))!;
    await waitFor(async () => Number(await live.getAttribute('data-done')) >= 3, 30_000, 'three pages');
    await live.getByRole('button', { name: 'Cancel the crawl' }).click();
    await live.waitFor({ state: 'detached', timeout: 15_000 });
    const job = await settled(page, jobId);
    expect(job.status).toBe('cancelled');
    expect(job.pagesFetched).toBeGreaterThanOrEqual(3);
    expect(job.pagesFetched).toBeLessThan(25);
    // The pages it had stored stay, each counted: a batch storing when the cancel landed either committed first and was
    // counted, or stored nothing (issue 18: a loaded CI machine once showed 6 pages stored, 4 counted).
    const source = await api(page).query('knowledge.source', { id: job.sourceId });
    expect(source.pageCount).toBe(job.pagesFetched);
    await page.close();
  });

  it('keeps a job’s progress across a reload and a dropped WebSocket, with no event missing', async () => {
    const page = await app.signedInPage();
    const socket = await controlLiveSocket(page, app.server);
    const job = await api(page).mutate('knowledge.crawl', {
      url: `${site.url}/slowdocs/2`,
      mode: 'recursive',
      maxDepth: 30,
      concurrency: 1,
      delayMs: 200,
    });
    await page.goto(`${app.url}/knowledge/sources/${job.sourceId}`);
    const panel = page.locator(`[data-testid=job-progress][data-job-id="${job.id}"]`);
    await panel.waitFor();
    await waitFor(async () => Number(await panel.getAttribute('data-done')) >= 3, 30_000, 'three pages');
    // A reload replays the job from its first event.
    await page.reload();
    await panel.waitFor();
    await waitFor(async () => Number(await panel.getAttribute('data-done')) >= 6, 30_000, 'six pages');
    await screenshot(page, 'knowledge-source-crawling', 'light');
    const before = Number(await panel.getAttribute('data-event-count'));
    const connections = socket.connections();
    await socket.drop();
    await waitFor(() => socket.connections() > connections, 15_000, 'a new connection');
    await panel.locator('xpath=self::*[@data-status="completed"]').waitFor({ timeout: 60_000 });
    const ids = await serverEvents(job.id);
    expect(Number(await panel.getAttribute('data-event-count'))).toBeGreaterThan(before);
    // Every event the server has for the job reached the page once: same count, same last id.
    expect(Number(await panel.getAttribute('data-event-count'))).toBe(ids.length);
    expect(Number(await panel.getAttribute('data-last-event-id'))).toBe(ids.at(-1)!.id);
    expect(Number(await panel.getAttribute('data-done'))).toBe((await settled(page, job.id)).pagesFetched);
    await page.close();
  });

  it('uploads files dropped on the dialog: the bad one gets its reason while the good one is added', async () => {
    const page = await app.signedInPage();
    await page.goto(`${app.url}/knowledge`);
    await waitForLive(page);
    const dialog = await openAddDialog(page, 'Upload files');
    const files = [
      {
        name: 'widgets.md',
        type: 'text/markdown',
        content:
          '# Widget guide\n\nWidgets arrange gadgets.\n\n```python\nfrom widgets import arrange\narrange(gadgets=12, mode="fast")\nprint("arranged")\n```\n',
      },
      { name: 'manual.pdf', type: 'application/pdf', content: 'this is plain text, not a PDF at all' },
    ];
    const transfer = await page.evaluateHandle((list) => {
      const dt = new DataTransfer();
      for (const f of list) dt.items.add(new File([f.content], f.name, { type: f.type }));
      return dt;
    }, files);
    const zone = dialog.getByTestId('dropzone');
    await zone.dispatchEvent('dragenter', { dataTransfer: transfer });
    await zone.dispatchEvent('dragover', { dataTransfer: transfer });
    await zone.dispatchEvent('drop', { dataTransfer: transfer });
    await expect.poll(() => dialog.getByTestId('upload-file').count()).toBe(2);
    await dialog.getByLabel('Title').fill('Widget manuals');
    await dialog.getByRole('button', { name: 'Upload 2 files' }).click();
    const good = dialog.locator('[data-testid=upload-file][data-name="widgets.md"]');
    const bad = dialog.locator('[data-testid=upload-file][data-name="manual.pdf"]');
    await bad.locator('xpath=self::*[@data-status="failed"]').waitFor({ timeout: 30_000 });
    await expect(bad.textContent()).resolves.toMatch(/manual\.pdf is not a PDF/);
    await good.locator('xpath=self::*[@data-status="done"]').waitFor({ timeout: 30_000 });
    await dialog.getByText('1 of 2 files added; 1 refused.').waitFor({ timeout: 30_000 });
    await screenshot(page, 'knowledge-upload-results', 'light');
    await dialog.getByRole('link', { name: 'Open the source' }).click();
    await page.waitForURL(/\/knowledge\/sources\/upload-/);
    sources.upload = decodeURIComponent(new URL(page.url()).pathname.split('/').at(-1)!);
    await expect(page.getByTestId('source-heading').textContent()).resolves.toBe('Widget manuals');
    await page.close();
  });

  it('edits a source (optimistically, taken back when refused), refreshes, exports, imports and deletes it', async () => {
    const page = await app.signedInPage();
    guard(page);
    const crawl = await api(page).mutate('knowledge.crawl', { url: `${site.url}/docs/`, mode: 'recursive', maxDepth: 2, tags: ['frob'] });
    sources.docs = crawl.sourceId;
    await settled(page, crawl.id);
    await page.goto(`${app.url}/knowledge/sources/${sources.docs}`);
    await waitForPageReady(page);
    const stats = {
      pages: await page.getByTestId('stat-pages').locator('dd').textContent(),
      chunks: await page.getByTestId('stat-chunks').locator('dd').textContent(),
      code: await page.getByTestId('stat-code').locator('dd').textContent(),
    };

    // Code examples are highlighted (shiki's coloured spans) and have a copy button.
    await page.getByRole('tab', { name: /Code examples/ }).click();
    const example = page.getByTestId('code-example').filter({ hasText: 'frobnicate' });
    await example.locator('.shiki span[style*="--shiki-dark"]').first().waitFor();
    await expect(example.getByRole('button', { name: /^Copy/ }).count()).resolves.toBe(1);
    for (const theme of THEMES) {
      const themed = theme === 'light' ? page : await app.signedInPage({ theme });
      if (theme === 'dark') {
        await themed.goto(`${app.url}/knowledge/sources/${sources.docs}?tab=code`);
        await themed.locator('.shiki span[style*="--shiki-dark"]').first().waitFor();
      }
      await expectNoSeriousA11yViolations(themed, `source code examples (${theme})`);
      await screenshot(themed, 'knowledge-source-code', theme);
      if (theme === 'dark') await themed.close();
    }
    await page.getByRole('tab', { name: /Chunks/ }).click();
    await page.getByTestId('chunk').first().waitFor();
    await page.getByRole('tab', { name: /Pages/ }).click();
    await page.getByTestId('page-row').first().waitFor();

    // Edit: the header changes at once; the server's refusal puts it back and says why under the field.
    await page.getByRole('tab', { name: 'Settings' }).click();
    const title = page.getByRole('textbox', { name: 'Title', exact: true });
    await title.fill('Frobnicator handbook');
    await page.getByLabel('Tags').fill('handbook');
    await page.getByLabel('Tags').press('Enter');
    await chooseOption(page, 'Type', 'Business', page.locator('main'));
    await chooseOption(page, 'Refresh schedule', 'Weekly', page.locator('main'));
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(() => page.getByTestId('source-heading').textContent(), { timeout: 2_000 }).toBe('Frobnicator handbook');
    await page.getByText('Source saved').waitFor();
    const saved = await api(page).query('knowledge.source', { id: sources.docs });
    expect(saved).toMatchObject({ title: 'Frobnicator handbook', tags: ['frob', 'handbook'], knowledgeType: 'business', refreshInterval: 'weekly' });

    await title.fill('   ');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Could not save the source').waitFor();
    await expect.poll(() => page.getByTestId('source-heading').textContent()).toBe('Frobnicator handbook');
    await expect.poll(() => title.getAttribute('aria-invalid')).toBe('true');
    await page.getByRole('button', { name: 'Discard' }).click();

    // Refresh now: the job shows live on the page and ends; the Jobs tab then lists both jobs.
    await page.getByRole('button', { name: 'Refresh now' }).click();
    const panel = page.locator('[data-testid=job-progress]');
    await panel.waitFor();
    await panel.locator('xpath=self::*[@data-status="completed"]').waitFor({ timeout: 60_000 });
    await page.getByRole('tab', { name: 'Jobs' }).click();
    await expect.poll(() => page.getByTestId('job-row').count(), { timeout: 10_000 }).toBe(2);
    await expect(page.getByTestId('job-row').first().getAttribute('data-status')).resolves.toBe('completed');
    for (const theme of THEMES) {
      const themed = theme === 'light' ? page : await app.signedInPage({ theme });
      if (theme === 'dark') await themed.goto(`${app.url}/knowledge/sources/${sources.docs}?tab=jobs`);
      await themed.getByTestId('job-row').first().waitFor();
      await expectNoSeriousA11yViolations(themed, `source jobs (${theme})`);
      await screenshot(themed, 'knowledge-source-jobs', theme);
      if (theme === 'dark') await themed.close();
    }

    // Export downloads the archive.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-source').click()]);
    expect(download.suggestedFilename()).toBe(`${sources.docs}.archon.jsonl.gz`);
    const archive = zlib.gunzipSync(await download.createReadStream().then(async (s) => Buffer.concat(await s.toArray())));
    const lines = archive.toString('utf8').trim().split('\n');
    expect(JSON.parse(lines[0]!)).toMatchObject({ format: 'archon-source' });
    expect(lines.some((l) => l.includes('"Frobnicator handbook"'))).toBe(true);
    const archivePath = await download.path();

    // Import it back as a copy from the dialog.
    await page.goto(`${app.url}/knowledge?add=import`);
    const dialog = page.getByRole('dialog', { name: 'Add knowledge' }).getByRole('form', { name: 'Import an archive' });
    await dialog.getByLabel('Archive').setInputFiles(archivePath);
    await dialog.getByRole('button', { name: 'Import' }).click();
    await dialog.getByText(/already exists/).waitFor();
    await chooseOption(page, 'If the source exists', 'Import a copy');
    await dialog.getByRole('button', { name: 'Import' }).click();
    const done = page.getByRole('dialog', { name: 'Add knowledge' });
    await done.getByText('Imported as a copy').waitFor();
    await done.getByRole('link', { name: 'Open the source' }).click();
    await page.waitForURL(new RegExp(`/knowledge/sources/${sources.docs}-copy-1$`));
    await expect(page.getByTestId('stat-pages').locator('dd').textContent()).resolves.toBe(stats.pages);

    // Delete, after a confirmation naming what goes.
    await page.goto(`${app.url}/knowledge/sources/${sources.docs}`);
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    const confirm = page.getByRole('alertdialog');
    await expect(confirm.textContent()).resolves.toContain(`Its ${stats.pages} pages, ${stats.chunks} chunks and ${stats.code} code example`);
    await expectNoSeriousA11yViolations(page, 'delete confirmation');
    await screenshot(page, 'knowledge-delete-confirm', 'light');
    await confirm.getByRole('button', { name: 'Delete source' }).click();
    await page.waitForURL(`${app.url}/knowledge`);
    await expect(api(page).query('knowledge.source', { id: sources.docs })).rejects.toThrow(/NOT_FOUND/);
    await expect.poll(() => row(page, sources.docs).count()).toBe(0);
    await page.close();
  });

  it('renders crawled script and javascript: payloads inert in the list, the source and the page viewer', async () => {
    const page = await app.signedInPage();
    guard(page);
    const crawl = await api(page).mutate('knowledge.crawl', { url: `${site.url}/xss/`, mode: 'single' });
    sources.xss = crawl.sourceId;
    await settled(page, crawl.id);
    const source = await api(page).query('knowledge.source', { id: sources.xss });
    expect(source.title).toBe(XSS_TITLE);
    const noActiveContent = async (where: string) => {
      expect(await ranPayload(page), where).toBeNull();
      const found = await page.evaluate(() => ({
        jsUrls: [...document.querySelectorAll('[href], [src], [action], [formaction]')].filter((el) =>
          ['href', 'src', 'action', 'formaction'].some((a) => /^\s*javascript:/i.test(el.getAttribute(a) ?? '')),
        ).length,
        embedded: document.querySelectorAll('main script, main iframe, main object, main embed').length,
        handlers: [...document.querySelectorAll('main *')].filter((el) => [...el.attributes].some((a) => /^on/i.test(a.name))).length,
      }));
      expect(found, where).toEqual({ jsUrls: 0, embedded: 0, handlers: 0 });
    };

    await page.goto(`${app.url}/knowledge?q=Payload`);
    await row(page, sources.xss).waitFor();
    expect(await row(page, sources.xss).getByTestId('source-title').textContent()).toBe(source.title);
    await noActiveContent('sources list');

    await page.goto(`${app.url}/knowledge/sources/${sources.xss}`);
    await page.getByTestId('page-row').first().waitFor();
    expect(await page.getByTestId('source-heading').textContent()).toBe(source.title);
    await noActiveContent('source pages');
    await page.getByRole('tab', { name: /Chunks/ }).click();
    await page.getByTestId('chunk').first().waitFor();
    await noActiveContent('source chunks');
    await page.getByRole('tab', { name: /Code examples/ }).click();
    await page.getByTestId('code-example').first().waitFor();
    await expect(page.getByTestId('code-example').first().textContent()).resolves.toContain("<script>window.__xss = 'code'</script>");
    await noActiveContent('source code examples');

    await page.getByRole('tab', { name: /Pages/ }).click();
    await page.getByTestId('page-row').first().getByRole('link').first().click();
    await page.waitForURL(/\/knowledge\/pages\//);
    await page.getByTestId('page-content').waitFor();
    await expect(page.getByTestId('page-content').textContent()).resolves.toContain('a script link');
    await noActiveContent('page viewer');
    await page.close();
  });

  it('shows a viewer everything but no write action', async () => {
    const owner = await app.signedInPage();
    const { token } = await api(owner).mutate('users.invite', { email: 'viewer@archon.test', role: 'viewer' });
    const joined = await fetch(`${app.url}/api/auth/accept-invite`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: app.url },
      body: JSON.stringify({ token, name: 'Vera Viewer', password: 'viewer pass phrase 42' }),
    });
    expect(joined.status).toBe(201);
    // A running job, so its cancel button is also checked.
    const running = await api(owner).mutate('knowledge.crawl', {
      url: `${site.url}/slowdocs/3`,
      mode: 'recursive',
      maxDepth: 30,
      concurrency: 1,
      delayMs: 300,
    });
    const page = await app.signedInPage({ email: 'viewer@archon.test', password: 'viewer pass phrase 42' });
    await page.goto(`${app.url}/knowledge?add=crawl`);
    await row(page, sources.slow).waitFor();
    await page.locator(`[data-testid=job-progress][data-job-id="${running.id}"]`).waitFor();
    expect(await page.getByRole('dialog').count()).toBe(0);
    expect(await page.getByTestId('add-knowledge').count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Cancel/ }).count()).toBe(0);
    await page.getByRole('button', { name: `Actions for ${(await api(owner).query('knowledge.source', { id: sources.slow })).title}` }).click();
    const items = await page.getByRole('menuitem').allTextContents();
    expect(items.map((t) => t.trim())).toEqual(['Open', 'Export archive']);
    await page.keyboard.press('Escape');

    await page.goto(`${app.url}/knowledge/sources/${sources.slow}?tab=settings`);
    await page.getByRole('textbox', { name: 'Title', exact: true }).waitFor();
    expect(await page.getByRole('button', { name: 'Refresh now' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Delete', exact: true }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Save changes' }).count()).toBe(0);
    expect(await page.getByRole('textbox', { name: 'Title', exact: true }).isDisabled()).toBe(true);
    expect(await page.getByTestId('export-source').count()).toBe(1);
    await expectNoSeriousA11yViolations(page, 'source settings as a viewer');
    await api(owner).mutate('jobs.cancel', { id: running.id });
    await page.close();
    await owner.close();
  });

  it('passes axe and is screenshotted in both themes: the list, each tab of the dialog, a source', async () => {
    for (const theme of THEMES as Theme[]) {
      const page = await app.signedInPage({ theme });
      await page.goto(`${app.url}/knowledge`);
      await row(page, sources.slow).waitFor();
      await waitForPageReady(page);
      await waitForLive(page);
      await expectNoSeriousA11yViolations(page, `knowledge list (${theme})`);
      await screenshot(page, 'knowledge-list', theme);

      for (const [tab, name] of [
        ['Crawl a site', 'crawl'],
        ['Upload files', 'upload'],
        ['Import archive', 'import'],
      ] as const) {
        const form = await openAddDialog(page, tab);
        if (tab === 'Crawl a site') await form.getByText('Advanced options').click();
        await expectNoSeriousA11yViolations(page, `add dialog, ${name} (${theme})`);
        await screenshot(page, `knowledge-add-${name}`, theme);
        await page.keyboard.press('Escape');
        await page.getByRole('dialog').waitFor({ state: 'detached' });
      }

      await page.goto(`${app.url}/knowledge/sources/${sources.slow}`);
      await page.getByTestId('page-row').first().waitFor();
      await expectNoSeriousA11yViolations(page, `source detail (${theme})`);
      await screenshot(page, 'knowledge-source', theme);
      await page.getByRole('tab', { name: /Chunks/ }).click();
      await page.getByTestId('chunk').first().waitFor();
      await expectNoSeriousA11yViolations(page, `source chunks (${theme})`);
      await screenshot(page, 'knowledge-source-chunks', theme);
      await page.getByRole('tab', { name: 'Settings' }).click();
      await page.getByRole('textbox', { name: 'Title', exact: true }).waitFor();
      await expectNoSeriousA11yViolations(page, `source settings (${theme})`);
      await screenshot(page, 'knowledge-source-settings', theme);
      await page.close();
    }
  });

  it('pages, sorts and filters a list of 120 sources, the view held in the URL (render times printed)', async () => {
    const page = await app.signedInPage();
    // 120 sources through the public API: one small source exported without vectors, imported as copies.
    const archive = await page.context().request.get(`${app.url}/api/sources/${encodeURIComponent(sources.upload)}/export?embeddings=0`);
    expect(archive.status()).toBe(200);
    const body = await archive.body();
    const csrf = decodeURIComponent((await page.context().cookies(app.url)).find((c) => c.name === 'archon_csrf')!.value);
    const before = (await api(page).query('knowledge.sources', { limit: 1 })).total;
    const importOne = async () => {
      const res = await page.context().request.post(`${app.url}/api/sources/import?onConflict=copy`, {
        data: body,
        headers: { 'content-type': 'application/gzip', 'x-csrf-token': csrf, origin: app.url },
      });
      if (res.status() !== 201) throw new Error(`import failed: ${res.status()} ${await res.text()}`);
    };
    const started = Date.now();
    const queue = Array.from({ length: SOURCES - before }, (_, i) => i);
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (queue.shift() !== undefined) await importOne();
      }),
    );
    console.log(`created ${SOURCES - before} sources by import in ${Date.now() - started} ms`);
    expect((await api(page).query('knowledge.sources', { limit: 1 })).total).toBe(SOURCES);

    await page.goto(`${app.url}/jobs`);
    timings.push(
      await measureRender(page, '120 sources: open the list (50 a page)', () => page.goto(`${app.url}/knowledge`), '[data-testid=source-row]'),
    );
    await waitForPageReady(page);
    expect(await page.getByTestId('source-row').count()).toBe(50);
    await page.getByText('1–50').waitFor();
    const next = page.getByRole('button', { name: 'Next page of sources' });
    const firstId = await page.getByTestId('source-row').first().getAttribute('data-source-id');
    timings.push(
      await measureRender(page, '120 sources: next page', () => next.click(), `[data-testid=source-row]:not([data-source-id="${firstId}"])`),
    );
    await page.getByText('51–100').waitFor();
    timings.push(
      await measureRender(
        page,
        '120 sources: sort by pages',
        () => page.getByRole('button', { name: 'Pages', exact: true }).click(),
        `[data-testid=source-row][data-source-id="${sources.slow}"]`,
      ),
    );
    timings.push(
      await measureRender(
        page,
        '120 sources: filter by text to one',
        () => page.getByRole('searchbox', { name: /Filter sources/ }).fill('Payload'),
        `[data-testid=source-row][data-source-id="${sources.xss}"]:only-child`,
      ),
    );
    // Coming back from a source by its breadcrumb: a client-side navigation, as people move around.
    await page.goto(`${app.url}/knowledge/sources/${encodeURIComponent(sources.slow)}`);
    await page.getByTestId('page-row').first().waitFor();
    timings.push(
      await measureRender(
        page,
        '120 sources: back to the list from a source',
        () => page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'Knowledge' }).click(),
        '[data-testid=source-row]',
      ),
    );
    await page.goto(`${app.url}/knowledge?q=Payload`);
    // The URL holds the filters: a reload shows the same view.
    await page.reload();
    await row(page, sources.xss).waitFor();
    expect(await page.getByTestId('source-row').count()).toBe(1);
    expect(new URL(page.url()).searchParams.get('q')).toBe('Payload');
    await page.goto(`${app.url}/knowledge?page=3`);
    await page.getByText('101–120').waitFor();
    expect(await page.getByTestId('source-row').count()).toBe(20);
    await page.close();
  });
});
