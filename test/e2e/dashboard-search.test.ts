import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Dashboard,
  expectNoSeriousA11yViolations,
  measureRender,
  type RenderTiming,
  screenshot,
  THEMES,
  waitForPageReady,
} from '../helpers/dashboard';
import type { LoopbackSite } from '../helpers/loopback-site';
import { startSearchJobsDashboard } from '../helpers/search-jobs';

/**
 * The Search page in Chromium against the built server: searching, opening a
 * result at its section, code search and copy, the URL holding the search,
 * untrusted content staying inert; axe and screenshots in both themes. The
 * site crawled and the knowledge seeded are test/helpers/search-jobs.ts's.
 */

let app: Dashboard;
let site: LoopbackSite;
const timings: RenderTiming[] = [];

beforeAll(async () => {
  ({ app, site } = await startSearchJobsDashboard({ bigJob: false }));
});

afterAll(async () => {
  if (timings.length) console.log(`render timings (ms):\n${timings.map((t) => `  ${t.what.padEnd(40)} ${t.ms}`).join('\n')}`);
  await app?.close();
  await site?.close();
});

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
    // The URL changes first; Next.js renders the page for it in a transition.
    await expect.poll(() => page.getByTestId('return-chunks').getAttribute('aria-checked')).toBe('true');
    await page.goBack();
    await page.waitForFunction(() => !new URL(location.href).searchParams.has('type'));
    await expect.poll(() => page.getByTestId('filter-type').textContent()).toMatch(/Any/);

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
