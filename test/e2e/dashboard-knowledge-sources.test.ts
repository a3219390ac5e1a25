import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DocsSite } from '../fixtures/docs-site';
import {
  type Dashboard,
  expectNoSeriousA11yViolations,
  measureRender,
  type RenderTiming,
  screenshot,
  THEMES,
  waitForLive,
  waitForPageReady,
} from '../helpers/dashboard';
import { chooseOption, guard, knowledgeKit, openAddDialog, ranPayload, row, startKnowledgeDashboard, XSS_TITLE } from '../helpers/knowledge';

/**
 * Sources in the Knowledge section, in Chromium against the built server:
 * drag-and-drop uploads with a refused file; editing, refreshing, exporting,
 * importing and deleting a source; inert XSS payloads; and a list of sources
 * paged, sorted and filtered. Crawling from the dialog is in
 * dashboard-knowledge.test.ts. Timed targets (live latency, 1,000 sources,
 * Lighthouse) are in bench/dashboard.ts.
 */

let app: Dashboard;
let site: DocsSite;
const timings: RenderTiming[] = [];
/** Enough for three pages of 50; bench/dashboard.ts times a list of 1,000. */
const SOURCES = 120;
const sources: Record<'slow' | 'docs' | 'upload' | 'xss', string> = { slow: '', docs: '', upload: '', xss: '' };

const { api, settled } = knowledgeKit(() => app);

beforeAll(async () => {
  ({ app, site } = await startKnowledgeDashboard());
  // The list's biggest source, as dashboard-knowledge.test.ts crawls it from the dialog: 30 slow pages, tagged.
  const page = await app.signedInPage();
  const crawl = await api(page).mutate('knowledge.crawl', {
    url: `${site.url}/slowdocs/0`,
    mode: 'recursive',
    maxDepth: 30,
    tags: ['slow'],
    concurrency: 1,
    delayMs: 100,
  });
  sources.slow = crawl.sourceId;
  const job = await settled(page, crawl.id);
  expect(job.status).toBe('completed');
  await page.close();
});
afterAll(async () => {
  if (timings.length) console.log(`knowledge render timings (ms):\n${timings.map((t) => `  ${t.what.padEnd(48)} ${t.ms}`).join('\n')}`);
  await app?.close();
  await site?.close();
});

describe('knowledge', () => {
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
