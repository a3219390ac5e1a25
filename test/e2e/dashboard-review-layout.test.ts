import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Dashboard, screenshot, startDashboard, THEMES, trpcAs, waitForPageReady } from '../helpers/dashboard';
import { waitFor } from '../helpers/wait';

/**
 * Regressions from the dashboard review at phone widths, in Chromium against
 * the built server: the projects list with a long project title, and the jobs
 * list's status filter, which made the page scroll sideways.
 */

let app: Dashboard;
let projectId = '';

beforeAll(async () => {
  app = await startDashboard();
  const page = await app.signedInPage();
  const api = trpcAs(page.context(), app.url);
  const job = await api.mutate<{ id: string }>('knowledge.upload', {
    files: [{ name: 'notes.md', contentBase64: Buffer.from('# Notes\n\nA few words.\n').toString('base64') }],
  });
  await waitFor(async () => (await api.query('jobs.get', { id: job.id })).finishedAt, 60_000, 'the upload');
  projectId = (await api.mutate<{ id: string }>('projects.create', { title: 'Quarterly planning for the documentation migration project' })).id;
  await page.context().close();
});

afterAll(async () => {
  await app?.close();
});

/** How far the page scrolls sideways, and the outermost elements sticking out past the viewport. */
const overflow = (page: Page) =>
  page.evaluate(() => {
    const vw = document.documentElement.clientWidth;
    const wide = [...document.querySelectorAll('body *')].filter(
      (e) => e.getBoundingClientRect().right > vw + 1 && e.getBoundingClientRect().width > 0,
    );
    const top = wide.filter((e) => !wide.some((o) => o !== e && o.contains(e)));
    return {
      by: (document.scrollingElement?.scrollWidth ?? 0) - vw,
      offenders: top.slice(0, 3).map((e) => `${e.tagName.toLowerCase()}.${String(e.className).slice(0, 80)}`),
    };
  });

describe('at phone width', () => {
  for (const width of [360, 375]) {
    it(`no sideways scrolling on Projects and Jobs at ${width} px`, async () => {
      const wide: string[] = [];
      for (const theme of THEMES) {
        const page = await app.signedInPage({ theme, viewport: { width, height: 800 } });
        for (const path of ['/projects', '/jobs']) {
          await page.goto(`${app.url}${path}`);
          await waitForPageReady(page);
          await page.locator(path === '/projects' ? `[data-project-id="${projectId}"]` : '[data-testid=job-filters]').waitFor();
          const o = await overflow(page);
          if (o.by > 0) wide.push(`${path} (${theme}): ${o.by} px (${o.offenders.join('; ')})`);
          // The job's name shows (truncated if need be), not only its kind's icon.
          if (path === '/jobs') {
            const name = page.locator('[data-job-id] a[href^="/jobs/"]').first();
            const box = await name.boundingBox();
            if (!box || box.width < 60) wide.push(`${path} (${theme}): the job's name is ${box?.width ?? 0} px wide`);
          }
          if (width === 360) await screenshot(page, `review${path.replace('/', '-')}-360`, theme);
        }
        await page.context().close();
      }
      expect(wide).toEqual([]);
    });
  }
});
