import type { Page } from 'playwright-core';
import { type DocsSite, startDocsSite } from '../fixtures/docs-site';
import { type Dashboard, startDashboard, trpcAs, waitForPageReady } from './dashboard';
import { createArchonClient } from './trpc-client';
import { waitFor } from './wait';

/**
 * What the Knowledge browser tests (test/e2e/dashboard-knowledge*.test.ts)
 * share: the docs site with a page of XSS payloads, a dashboard allowed to
 * crawl it, and the dialog, the progress rows and the jobs as the tests read
 * them. Each file starts its own:
 *
 *   let app: Dashboard;
 *   let site: DocsSite;
 *   beforeAll(async () => { ({ app, site } = await startKnowledgeDashboard()); });
 *   const { api, settled } = knowledgeKit(() => app);
 */

export const XSS_TITLE = '<img src=x onerror="window.__xss=\'title\'"> Payload docs';
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

/** The docs site (with /xss/) and the built server allowed to crawl it, rate limits raised for the tests' many crawls and imports. */
export async function startKnowledgeDashboard(): Promise<{ app: Dashboard; site: DocsSite }> {
  const site = await startDocsSite();
  site.setPage('/xss/', XSS_PAGE);
  try {
    const app = await startDashboard({
      env: { CRAWL_ALLOWED_HOSTS: site.host, RATE_LIMIT_UPLOAD_PER_MINUTE: '100000', RATE_LIMIT_CRAWL_PER_MINUTE: '1000' },
    });
    return { app, site };
  } catch (err) {
    await site.close();
    throw err;
  }
}

/** The helpers that need the running dashboard; `app` is read at each call, as it is set in beforeAll. */
export function knowledgeKit(app: () => Dashboard) {
  const api = (page: Page) => trpcAs(page.context(), app().url);

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
    const { client, wsClient } = createArchonClient(app().url);
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

  return { api, settled, serverEvents };
}

/** Fails the test if any payload ran: an alert, or the global the payloads set. */
export function guard(page: Page) {
  page.on('dialog', (d) => {
    throw new Error(`a dialog opened: ${d.message()}`);
  });
}
export const ranPayload = (page: Page) => page.evaluate(() => (window as unknown as { __xss?: string }).__xss ?? null);

const FORMS = { 'Crawl a site': 'Crawl a website', 'Upload files': 'Upload files', 'Import archive': 'Import an archive' } as const;

/** Opens the add dialog on a tab; returns that tab's form (the others stay mounted, hidden, so nothing typed is lost). */
export async function openAddDialog(page: Page, tab: keyof typeof FORMS = 'Crawl a site') {
  await waitForPageReady(page);
  const add = page.getByTestId('add-knowledge');
  if (await add.isVisible()) await add.click();
  else await page.getByRole('button', { name: 'Crawl a site' }).click();
  const dialog = page.getByRole('dialog', { name: 'Add knowledge' });
  await dialog.waitFor();
  await dialog.getByRole('tab', { name: tab }).click();
  return dialog.getByRole('form', { name: FORMS[tab] });
}

export async function chooseOption(page: Page, trigger: string, option: string, scope = page.getByRole('dialog')) {
  await scope.getByRole('combobox', { name: trigger }).click();
  await page.getByRole('option', { name: option, exact: true }).click();
}

/** Records every value of the progress rows' data-done and data-status attributes while the page runs. */
export async function recordProgress(page: Page) {
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
export async function recordEventRenders(page: Page) {
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
export function recordEventFrames(page: Page): Map<number, number> {
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

export const row = (page: Page, sourceId: string) => page.locator(`[data-testid=source-row][data-source-id="${sourceId}"]`);
