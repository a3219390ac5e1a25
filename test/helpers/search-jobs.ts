import fs from 'node:fs';
import type http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { openDatabase } from '../../db';
import { jobEvents, jobs } from '../../db/schema';
import { type Dashboard, startDashboard } from './dashboard';
import { testDbKind } from './db';
import { type LoopbackSite, serveLoopback } from './loopback-site';
import { createArchonClient } from './trpc-client';
import { waitFor } from './wait';

/**
 * What the Search and Jobs browser tests (test/e2e/dashboard-search.test.ts,
 * dashboard-jobs.test.ts) share: a loopback site to crawl, a finished job with
 * a 10,000-event log, and a dashboard with the site's docs and a business
 * note already in its knowledge. Each file starts its own.
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

export const BIG_LOG = 10_000;

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

const NOTE = `# Pricing notes

## Discounts for widgets

Volume discounts apply when a customer orders more than forty widgets a month; configuring the discount is done by sales.

## Renewals

Renewals are invoiced yearly.
`;

export type SearchJobsDashboard = {
  app: Dashboard;
  site: LoopbackSite;
  /** The 10,000-event job's id, null when not seeded (`bigJob: false`, or on a PostgreSQL server). */
  bigJobId: string | null;
  bigLastEventId: number;
  /** The crawl of the docs, finished. */
  docsJobId: string;
};

/**
 * Serves the site, seeds the 10,000-event job when asked (on the embedded
 * database only), starts the dashboard, and crawls the docs and uploads the
 * note, both finished. What started is closed again if a later step fails.
 */
export async function startSearchJobsDashboard({ bigJob }: { bigJob: boolean }): Promise<SearchJobsDashboard> {
  const site = await serveLoopback(siteHandler);
  let app: Dashboard | undefined;
  try {
    let bigJobId: string | null = null;
    let bigLastEventId = 0;
    let docsJobId = '';
    const env: Record<string, string> = { CRAWL_ALLOWED_HOSTS: site.host };
    // On a PostgreSQL server the kit makes the database itself, so the 10,000-event job is seeded on the embedded one only.
    if (bigJob && testDbKind() === 'pglite') {
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
    return { app, site, bigJobId, bigLastEventId, docsJobId };
  } catch (err) {
    await app?.close();
    await site.close();
    throw err;
  }
}
