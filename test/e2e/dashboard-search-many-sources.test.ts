import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Dashboard, startDashboard, trpcAs, waitForPageReady } from '../helpers/dashboard';
import { waitFor } from '../helpers/wait';

/**
 * Regressions from the seventh dashboard review of Search, in Chromium
 * against the built server.
 */

let app: Dashboard;

beforeAll(async () => {
  app = await startDashboard({ env: { RATE_LIMIT_UPLOAD_PER_MINUTE: '100000' } });
});

afterAll(async () => {
  await app?.close();
});

describe('the Sources filter', () => {
  it('offers every source, also past the first 200 by title', async () => {
    const page = await app.signedInPage();
    const api = trpcAs(page.context(), app.url);
    const upload = async (title: string) => {
      const job = await api.mutate<{ id: string }>('knowledge.upload', {
        files: [
          {
            name: `${title.toLowerCase().replace(/\W+/g, '-')}.md`,
            contentBase64: Buffer.from(`# ${title}\n\nNotes about ${title}.\n`).toString('base64'),
          },
        ],
        title,
      });
      return waitFor(async () => (await api.query('jobs.get', { id: job.id })).sourceId ?? null, 60_000, title);
    };
    await upload('Alpha notes');
    // 200 more sources, as copies of one archive (titled as it is, 'Alpha notes'), then one whose title sorts last.
    const first = (await api.query<{ items: { id: string }[] }>('knowledge.sources', { limit: 1 })).items[0]!.id;
    const archive = await (await page.context().request.get(`${app.url}/api/sources/${encodeURIComponent(first)}/export?embeddings=0`)).body();
    const csrf = decodeURIComponent((await page.context().cookies(app.url)).find((c) => c.name === 'archon_csrf')!.value);
    const queue = Array.from({ length: 200 }, (_, i) => i);
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (queue.shift() !== undefined) {
          const res = await page.context().request.post(`${app.url}/api/sources/import?onConflict=copy`, {
            data: archive,
            headers: { 'content-type': 'application/gzip', 'x-csrf-token': csrf, origin: app.url },
          });
          if (res.status() !== 201) throw new Error(`import failed: ${res.status()}`);
        }
      }),
    );
    await upload('Zulu notes');
    expect((await api.query('knowledge.sources', { limit: 1 })).total).toBe(202);

    await page.goto(`${app.url}/search`);
    await waitForPageReady(page);
    await page.getByTestId('filter-sources').click();
    await page.getByRole('menuitemcheckbox').first().waitFor();
    // The source sorting last is one of the 202 a person may want to search in.
    expect(await page.getByRole('menuitemcheckbox', { name: 'Zulu notes' }).count()).toBe(1);
  }, 180_000);
});
