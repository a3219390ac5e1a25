import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { type Page, request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Dashboard, signInWithForm, startDashboard, waitForPageReady } from '../helpers/dashboard';
import { type LoopbackSite, serveLoopback } from '../helpers/loopback-site';
import { createArchonClient } from '../helpers/trpc-client';
import { waitFor } from '../helpers/wait';

/**
 * Regressions from the dashboard review (part 1), each in a real browser
 * against the built server: WebSockets leaked by a job page under load, a
 * finished job shown as running, the tag filter's shared ids, a session that
 * ends mid-form, sideways scrolling at phone width, and bad URL values.
 */

const page404 = '<!doctype html><title>none</title><p>none</p>';
const html = (title: string, body: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body><main>${body}</main></body></html>`;
const words = (text: string, times: number) => `<p>${Array.from({ length: times }, () => text).join(' ')}</p>`;

function siteHandler(req: http.IncomingMessage, res: http.ServerResponse) {
  const url = new URL(req.url ?? '/', 'http://x');
  const send = (body: string, delay = 0) => setTimeout(() => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(body), delay);
  if (url.pathname === '/docs/') {
    return send(
      html(
        'Frobnicator docs',
        `<h1>Frobnicator docs</h1>${words('The frobnicator arranges widgets on trays for the packing line.', 14)}
         <p>The frobnicator reads https://docs.example.com/frobnicator/configuration/widgets/trays/packing-line/calibration-settings.toml first.</p>
         <pre><code>frobnicate --widgets=12 --mode=fast --tray-size=large --output=/var/lib/frobnicator/trays/arranged-widgets.json</code></pre>`,
      ),
    );
  }
  // An endless site of quick pages: a crawl of it keeps the server busy.
  const busy = /^\/w\/(\d+)$/.exec(url.pathname);
  if (busy) {
    const n = Number(busy[1]);
    const links = [1, 2, 3, 4, 5].map((k) => `<a href="/w/${n * 5 + k}">p${n * 5 + k}</a>`).join(' ');
    return send(html(`Widget ${n}`, `<h1>Widget page ${n}</h1>${words('frobnicate the widgets carefully.', 40)}${links}`));
  }
  // A slow chain of pages: a crawl of it runs for a few seconds.
  const slow = /^\/s\/(\d+)$/.exec(url.pathname);
  if (slow) {
    const n = Number(slow[1]);
    return send(html(`Slow ${n}`, `<h1>Slow ${n}</h1>${words('a slow page about widgets', 8)}<a href="/s/${n + 1}">next</a>`), 300);
  }
  res.writeHead(404, { 'content-type': 'text/html' }).end(page404);
}

let app: Dashboard;
let site: LoopbackSite;
let docsJobId = '';
let docsSourceId = '';
let api: ReturnType<typeof createArchonClient>;
const client = () => api.client;

async function finished(id: string, timeoutMs = 60_000) {
  return waitFor(
    async () => {
      const job = await client().jobs.get.query({ id });
      return job.finishedAt ? job : null;
    },
    timeoutMs,
    `job ${id}`,
  );
}

beforeAll(async () => {
  site = await serveLoopback(siteHandler);
  app = await startDashboard({ env: { CRAWL_ALLOWED_HOSTS: site.host, RATE_LIMIT_CRAWL_PER_MINUTE: '1000' } });
  api = createArchonClient(app.url);
  const crawl = await client().knowledge.crawl.mutate({ url: `${site.base}/docs/`, mode: 'single', tags: ['c++'], title: 'Frobnicator docs' });
  docsJobId = crawl.id;
  const job = await finished(crawl.id);
  docsSourceId = job.sourceId ?? '';
  const note = await client().knowledge.upload.mutate({
    files: [{ name: 'notes.md', contentBase64: Buffer.from('# Notes\n\nThe frobnicator notes, for c# people.\n').toString('base64') }],
    tags: ['c#'],
    title: 'Notes',
  });
  await finished(note.id);
}, 180_000);

afterAll(async () => {
  await api?.wsClient.close();
  await app?.close();
  await site?.close();
});

/**
 * A proxy to the app that sends the documents `slow` picks in small pieces, slowly, as a server busy with a crawl
 * streams them: the browser starts hydrating before the page's part of the stream has come. WebSockets pass through.
 */
async function trickleProxy(target: string, slow: (path: string) => boolean) {
  const t = new URL(target);
  const server = http.createServer((req, res) => {
    const up = http.request({ host: t.hostname, port: t.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
      if (!slow(req.url ?? '')) {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
        return;
      }
      const { 'content-length': _length, ...headers } = r.headers;
      res.writeHead(r.statusCode ?? 502, headers);
      let pending = Buffer.alloc(0);
      let ended = false;
      r.on('data', (chunk: Buffer) => void (pending = Buffer.concat([pending, chunk])));
      r.on('end', () => void (ended = true));
      const timer = setInterval(() => {
        if (pending.length) {
          res.write(pending.subarray(0, 1024));
          pending = pending.subarray(1024);
        } else if (ended) {
          clearInterval(timer);
          res.end();
        }
      }, 40);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  const tunnels = new Set<net.Socket>();
  server.on('upgrade', (req, socket, head) => {
    const up = net.connect(Number(t.port), t.hostname, () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      up.write(`${lines.join('\r\n')}\r\n\r\n`);
      up.write(head);
      socket.pipe(up).pipe(socket);
    });
    up.on('error', () => socket.destroy());
    socket.on('error', () => up.destroy());
    tunnels.add(up).add(socket as net.Socket);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close() {
      for (const tunnel of tunnels) tunnel.destroy();
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe('a job page while a crawl keeps the server busy', () => {
  it('opens one WebSocket and goes live', async () => {
    const busy = await client().knowledge.crawl.mutate({ url: `${site.base}/w/0`, maxPages: 20_000, maxDepth: 20 });
    const proxy = await trickleProxy(app.url, (path) => path.startsWith('/jobs/') && !path.includes('_rsc'));
    try {
      await new Promise((r) => setTimeout(r, 2_000));
      // Each render of the layout that React threw away while the page's stream was coming made a WebSocket.
      for (let load = 0; load < 2; load++) {
        const page = await app.signedInPage();
        let sockets = 0;
        page.on('websocket', () => sockets++);
        await page.goto(`${proxy.url}/jobs/${busy.id}`, { waitUntil: 'commit' });
        const shown = async () =>
          Number(
            (await page
              .getByTestId('event-count')
              .getAttribute('data-count', { timeout: 1_000 })
              .catch(() => null)) ?? 0,
          );
        // Until the log shows events, or the page has leaked sockets (it then may never show any).
        await waitFor(async () => sockets > 2 || (await shown()) > 0, 60_000, 'the event log');
        await page.waitForTimeout(1_500);
        expect(sockets, `load ${load + 1}: WebSockets opened`).toBeLessThanOrEqual(2);
        await waitFor(async () => (await page.getByTestId('log-live').textContent()) === 'Live', 15_000, 'the log to be live');
        await page.context().close();
      }
    } finally {
      await proxy.close();
      await client()
        .jobs.cancel.mutate({ id: busy.id })
        .catch(() => {});
      await finished(busy.id).catch(() => {});
    }
  }, 300_000);
});

describe('a job that finished while its page loaded', () => {
  it('ends shown as finished even when jobs.get answers after the final event', async () => {
    const job = await client().knowledge.crawl.mutate({ url: `${site.base}/s/0`, maxPages: 6, maxDepth: 10, concurrency: 1 });
    const page = await app.signedInPage();
    let held = 0;
    // The answer is made while the job runs and delivered after it ended, as on a slow link.
    await page.route(/\/api\/trpc\/[^?]*jobs\.get/, async (route) => {
      const response = await route.fetch();
      const body = await response.text();
      held++;
      await finished(job.id);
      await new Promise((r) => setTimeout(r, 1_000));
      await route.fulfill({ response, body });
    });
    await page.goto(`${app.url}/jobs/${job.id}`);
    await finished(job.id);
    await page.getByTestId('job-status').waitFor({ timeout: 15_000 });
    expect(held).toBeGreaterThan(0);
    await waitFor(
      async () => (await page.getByTestId('job-status').getAttribute('data-status')) === 'completed',
      5_000,
      'the page to show the job completed',
    );
    await expect(page.getByRole('button', { name: /cancel/i }).count()).resolves.toBe(0);
    await page.context().close();
  }, 90_000);
});

describe('the Knowledge tag filter', () => {
  it('toggles the tag whose label was clicked, for tags that differ only in punctuation', async () => {
    const page = await app.signedInPage();
    await page.goto(`${app.url}/knowledge`);
    await waitForPageReady(page);
    await page.getByRole('button', { name: 'Tags' }).click();
    const boxes = page.locator('[role=dialog] [role=checkbox]');
    await boxes.first().waitFor();
    const ids = await boxes.evaluateAll((els) => els.map((e) => e.id));
    expect(new Set(ids).size).toBe(ids.length);
    await page.locator('[role=dialog] label', { hasText: 'c++' }).locator('span').first().click();
    await page.waitForURL((u) => u.searchParams.getAll('tag').length > 0);
    expect(new URL(page.url()).searchParams.getAll('tag')).toEqual(['c++']);
    // The URL changes (history.replaceState) before Next.js hands it to the page in a transition: the boxes follow.
    await expect.poll(() => page.getByRole('checkbox', { name: 'c++' }).getAttribute('aria-checked')).toBe('true');
    await expect.poll(() => page.getByRole('checkbox', { name: 'c#' }).getAttribute('aria-checked')).toBe('false');
    await page.context().close();
  }, 60_000);
});

describe('a session that ends while someone fills a form', () => {
  it('stays on the page, says so, and keeps the crawl form through signing in again', async () => {
    const page = await app.signedInPage({ fresh: true });
    await page.goto(`${app.url}/knowledge?add=crawl`);
    const form = page.getByRole('form', { name: 'Crawl a website' });
    await form.waitFor();
    await form.getByRole('textbox', { name: 'URL', exact: true }).fill('https://docs.example.com/my/long/typed/url');
    await form.getByLabel('Max pages').fill('77');
    // Ended on the server, this browser's cookies left alone (as an expiry or "sign out" elsewhere does).
    const cookies = await page.context().cookies(app.url);
    const other = await request.newContext();
    const res = await other.post(`${app.url}/api/auth/logout`, {
      headers: {
        cookie: cookies.map((c) => `${c.name}=${c.value}`).join('; '),
        'x-csrf-token': decodeURIComponent(cookies.find((c) => c.name === 'archon_csrf')?.value ?? ''),
        origin: app.url,
      },
      data: {},
    });
    expect(res.status()).toBe(200);
    await other.dispose();
    const banner = page.getByTestId('session-ended');
    await banner.waitFor({ timeout: 10_000 });
    await expect(banner.textContent()).resolves.toMatch(/Your session ended/);
    expect(new URL(page.url()).pathname).toBe('/knowledge');
    await expect(form.getByRole('textbox', { name: 'URL', exact: true }).inputValue()).resolves.toBe('https://docs.example.com/my/long/typed/url');

    await banner.getByRole('link', { name: 'Sign in' }).click();
    await page.waitForURL((u) => u.pathname === '/login');
    await signInWithForm(page);
    await page.waitForURL((u) => u.pathname === '/knowledge' && u.searchParams.get('add') === 'crawl');
    const again = page.getByRole('form', { name: 'Crawl a website' });
    await again.waitFor();
    await waitFor(async () => (await again.getByRole('textbox', { name: 'URL', exact: true }).inputValue()) !== '', 5_000, 'the draft');
    await expect(again.getByRole('textbox', { name: 'URL', exact: true }).inputValue()).resolves.toBe('https://docs.example.com/my/long/typed/url');
    await expect(again.getByLabel('Max pages').inputValue()).resolves.toBe('77');
    await page.context().close();
  }, 90_000);
});

/** The outermost elements that stick out past the viewport, to say what widened the page. */
async function overflow(page: Page) {
  return page.evaluate(() => {
    const vw = window.innerWidth;
    const wide = [...document.querySelectorAll('body *')].filter(
      (e) => e.getBoundingClientRect().right > vw + 1 && e.getBoundingClientRect().width > 0,
    );
    const top = wide.filter((e) => !wide.some((o) => o !== e && o.contains(e)));
    return {
      scrollWidth: document.scrollingElement?.scrollWidth ?? 0,
      offenders: top
        .slice(0, 4)
        .map((e) => `${e.tagName.toLowerCase()}.${String(e.className).slice(0, 90)} right=${Math.round(e.getBoundingClientRect().right)}`),
    };
  });
}

describe('at phone width (375 px)', () => {
  it('no page scrolls sideways', async () => {
    const page = await app.signedInPage({ viewport: { width: 375, height: 800 } });
    const paths = [
      '/connect',
      '/search?q=frobnicator',
      `/knowledge/sources/${docsSourceId}`,
      `/knowledge/sources/${docsSourceId}?tab=chunks`,
      `/jobs/${docsJobId}`,
    ];
    const wide: string[] = [];
    for (const path of paths) {
      await page.goto(`${app.url}${path}`);
      await waitForPageReady(page);
      if (path.startsWith('/search')) await page.getByTestId('search-results').waitFor({ timeout: 15_000 });
      await page.waitForTimeout(300);
      const o = await overflow(page);
      if (o.scrollWidth > 375) wide.push(`${path}: ${o.scrollWidth} px (${o.offenders.join('; ')})`);
    }
    expect(wide).toEqual([]);
    await page.context().close();
  }, 90_000);
});

describe('bad values in the URL', () => {
  it('Knowledge clamps the page and cuts over-long filters instead of showing an error', async () => {
    const page = await app.signedInPage();
    await page.goto(`${app.url}/knowledge?page=99999`);
    await page.waitForURL((u) => u.searchParams.get('page') === '1', { timeout: 15_000 });
    await page.getByTestId('sources').waitFor();
    for (const qs of [`q=${'x'.repeat(201)}`, `tag=${'t'.repeat(65)}`, Array.from({ length: 51 }, (_, i) => `tag=t${i}`).join('&')]) {
      await page.goto(`${app.url}/knowledge?${qs}`);
      await waitForPageReady(page);
      await expect(page.getByText('Check the input').count()).resolves.toBe(0);
      await expect(page.getByRole('button', { name: 'Retry' }).count()).resolves.toBe(0);
    }
    await page.context().close();
  }, 60_000);

  it('Search ignores an unknown type instead of applying Technical', async () => {
    const page = await app.signedInPage();
    await page.goto(`${app.url}/search?q=frobnicator&type=bogus`);
    // The select shows its value once hydrated (Radix fills SelectValue on the client): read until it does.
    await expect.poll(() => page.getByTestId('filter-type').textContent(), { timeout: 15_000 }).toMatch(/Any/);
    expect(await page.getByTestId('filter-type').textContent()).not.toMatch(/Technical/);
    await page.context().close();
  }, 60_000);

  it('Jobs goes back to the last page from one past the end', async () => {
    const page = await app.signedInPage();
    await page.goto(`${app.url}/jobs?page=9999`);
    await page.waitForURL((u) => !u.searchParams.has('page'), { timeout: 15_000 });
    await page.getByTestId('jobs-table').waitFor();
    await expect(page.getByText('No jobs yet').count()).resolves.toBe(0);
    await page.context().close();
  }, 60_000);
});
