// The project board's measured bars (issue #17): Archon's built server as its
// own process (as `npm start` runs it, with its flags), a project of 500 tasks made through the
// API, and Debian's Chromium. Prints:
// - Lighthouse (desktop settings, median of three runs) on that board: performance and accessibility;
// - frame times (requestAnimationFrame deltas, in the page) during mouse drags across the columns: p50/p95/max;
// - the latency from a move dropped in one browser to the other browser painting it, over --moves moves: p50/p95/max;
// - the board's load (navigation to cards painted) and a text filter over the 500 cards.
// Figures only, no pass or fail: the bars are in docs/benchmarks.md, "Board".
//   npm run bench:board [-- --moves 60] [-- --lighthouse-runs 3] [-- --database postgres://…] [-- --trace FILE]
// --trace records a Chromium trace of the moves (both pages) and prints where each page's main thread spent
// the move's time (bench/trace-breakdown.ts), from user-timing marks at the drop, the message and the paint.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { startCommand } from '../server/start-command';
import { launchChromium } from '../test/helpers/browser';
import { lighthouseScores } from '../test/helpers/lighthouse';
import { startServerProcess, TEST_OWNER } from '../test/helpers/server-process';
import { percentile } from './metrics';

const args = process.argv.slice(2);
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const MOVES = Number(option('--moves') ?? 60);
const LIGHTHOUSE_RUNS = Number(option('--lighthouse-runs') ?? 3);
const database = option('--database');
const traceFile = option('--trace');
const TASKS = 500;
const WATCHER = { email: 'watcher@archon.local', password: 'watcher pass phrase 42', name: 'Wanda Watcher' };

const stats = (values: number[]) => ({
  n: values.length,
  p50: percentile(values, 0.5),
  p95: percentile(values, 0.95),
  max: Math.max(...values),
});
// The machine is shared: say how busy it was next to each figure.
const loadavg = () => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const ms = (v: number) => `${v.toFixed(1)} ms`;
const line = (what: string, s: ReturnType<typeof stats>) => `${what}: n ${s.n}, p50 ${ms(s.p50)}, p95 ${ms(s.p95)}, max ${ms(s.max)}`;

// The route handlers come from the Next.js build, which must match the sources (run under the team's build lock).
execFileSync(process.execPath, ['scripts/ensure-build.mjs'], { stdio: 'inherit' });
// With npm start's Node flags and environment (server/start-command.ts): its heap settings shape pauses.
const start = startCommand();
const server = await startServerProcess(
  { ...start.env, LOG_LEVEL: 'warn', EMBEDDING_DIMENSIONS: '64', ...(database ? { DATABASE_URL: database } : {}) },
  150_000,
  start.flags,
);
const browser = await launchChromium();

/** tRPC as a signed-in context, as the dashboard calls it (cookies, and the CSRF header on mutations). */
function api(context: BrowserContext) {
  const unwrap = async (res: { status(): number; json(): Promise<any> }, path: string) => {
    const body = await res.json();
    if (res.status() >= 400 || body.error) throw new Error(`${path} failed (${res.status()}): ${JSON.stringify(body.error ?? body)}`);
    return body.result.data.json;
  };
  return {
    query: async <T = any>(path: string, input: unknown): Promise<T> =>
      unwrap(await context.request.get(`${server.url}/api/trpc/${path}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`), path),
    mutate: async <T = any>(path: string, input: unknown): Promise<T> => {
      const csrf = (await context.cookies(server.url)).find((c) => c.name === 'archon_csrf')?.value ?? '';
      const res = await context.request.post(`${server.url}/api/trpc/${path}`, {
        data: { json: input },
        headers: { 'x-csrf-token': decodeURIComponent(csrf), origin: server.url },
      });
      return unwrap(res, path);
    },
  };
}

async function signedIn(creds: { email: string; password: string }) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
  const res = await context.request.post(`${server.url}/api/auth/login`, { data: creds, headers: { origin: server.url } });
  if (res.status() !== 200) throw new Error(`signing in as ${creds.email}: ${res.status()} ${await res.text()}`);
  return context;
}

const nextFrame = (page: Page) => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(null))));
const card = (page: Page, id: string) => page.locator(`[data-testid=task-card][data-task-id="${id}"]`);
const order = (page: Page, status: string) =>
  page
    .getByTestId(`column-list-${status}`)
    .locator('[data-testid=task-card]')
    .evaluateAll((els) => els.map((e) => e.getAttribute('data-task-id')!));
const liveRegion = (page: Page) => page.locator('[id^="DndLiveRegion"]').first();

async function openBoard(page: Page, projectId: string) {
  await page.goto(`${server.url}/projects/${projectId}/board`);
  await page.locator('[data-testid=connection-indicator][data-state=connected]').waitFor({ timeout: 30_000 });
  await page.getByTestId('task-card').first().waitFor();
}

const waitUntil = async <T>(check: () => Promise<T | undefined | null | false>, what: string, timeoutMs = 10_000): Promise<T> => {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

try {
  const ownerContext = await signedIn(TEST_OWNER);
  const owner = api(ownerContext);
  const { token } = await owner.mutate<{ token: string }>('users.invite', { email: WATCHER.email, role: 'member' });
  const joined = await fetch(`${server.url}/api/auth/accept-invite`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: server.url },
    body: JSON.stringify({ token, name: WATCHER.name, password: WATCHER.password }),
  });
  if (joined.status !== 201) throw new Error(`accepting the invitation: ${joined.status} ${await joined.text()}`);

  // 500 tasks, 125 a column, with the assignees, priorities and features a real board has.
  const project = await owner.mutate<{ id: string }>('projects.create', { title: 'Big board', githubRepo: 'acme/big' });
  const statuses = ['todo', 'doing', 'review', 'done'];
  const seeded = Date.now();
  // One at a time: parallel batches leave sockets idle past the server's keep-alive, and a reused one may be reset.
  for (let n = 0; n < TASKS; n++)
    await owner.mutate('tasks.create', {
      projectId: project.id,
      title: `Task ${n + 1}: ${['Wire', 'Test', 'Document', 'Review', 'Ship'][n % 5]} the ${['parser', 'client', 'cache', 'exporter', 'runner', 'queue', 'router'][n % 7]}`,
      status: statuses[n % 4],
      assignee: ['User', 'Archon', 'Coding Agent', 'Dana', 'Eli'][n % 5],
      priority: ['low', 'medium', 'high', 'critical'][n % 4],
      feature: ['auth', 'billing', 'search', 'docs', null][n % 5],
    });
  console.log(`${database ? 'postgres' : 'embedded'} database; seeded ${TASKS} tasks in ${Date.now() - seeded} ms`);

  // Load, and a filter over the 500 cards.
  const page = await ownerContext.newPage();
  const loadStarted = Date.now();
  await openBoard(page, project.id);
  await nextFrame(page);
  console.log(`board load, goto to cards painted and live: ${Date.now() - loadStarted} ms`);
  const counts = await page.getByTestId('column-count').allTextContents();
  console.log(`columns ${counts.join(' / ')}; ${await page.getByTestId('task-card').count()} cards in the DOM`);
  const filterStarted = await page.evaluate(() => performance.now());
  await page.getByTestId('task-filter-text').fill('Task 377:');
  await page.locator('[data-testid=task-count]:text-is("1 of 500 tasks")').waitFor();
  const filterMs = (await page.evaluate(() => new Promise<number>((r) => requestAnimationFrame(() => r(performance.now()))))) - filterStarted;
  console.log(`filter to one card, typed to painted: ${filterMs.toFixed(0)} ms`);
  await page.getByTestId('task-filter-text').fill('');
  await page.locator('[data-testid=task-count]:text-is("500 tasks")').waitFor();
  await waitUntil(async () => (await order(page, 'todo')).length > 8, 'the whole board back');

  // Frame times while dragging a card by mouse from To do across Doing and Review, a frame per pointer move.
  // A string, not a function: tsx would wrap a named inner function in a helper the page does not have.
  await page.evaluate(`(() => {
    window.__frames = [];
    window.__recording = false;
    let last = performance.now();
    function tick(now) {
      if (window.__recording) window.__frames.push(now - last);
      last = now;
      requestAnimationFrame(tick);
    }
    requestAnimationFrame(tick);
  })()`);
  const frames: number[] = [];
  for (let drag = 0; drag < 3; drag++) {
    const from = card(page, (await order(page, 'todo'))[drag * 2]!);
    const to = card(page, (await order(page, 'review'))[3]!);
    const a = (await from.boundingBox())!;
    const b = (await to.boundingBox())!;
    const start = { x: a.x + a.width / 2, y: a.y + a.height - 14 };
    const end = { x: b.x + b.width / 2, y: b.y + 10 };
    await page.mouse.move(start.x, start.y);
    await page.mouse.down();
    await page.mouse.move(start.x + 6, start.y + 6, { steps: 2 });
    await page.evaluate(() => ((window as unknown as { __recording: boolean }).__recording = true));
    const steps = 80;
    for (let i = 1; i <= steps; i++) {
      // Across and back down a little, as a hand does: over every column between.
      await page.mouse.move(start.x + ((end.x - start.x) * i) / steps, start.y + ((end.y - start.y) * i) / steps + Math.sin(i / 6) * 40);
      await nextFrame(page);
    }
    await page.mouse.move(end.x, end.y);
    await nextFrame(page);
    await page.mouse.up();
    await nextFrame(page);
    await nextFrame(page);
    frames.push(
      ...(await page.evaluate(() => {
        const w = window as unknown as { __frames: number[]; __recording: boolean };
        w.__recording = false;
        return w.__frames.splice(0).slice(1);
      })),
    );
    await page.waitForTimeout(500);
  }
  const f = stats(frames);
  console.log(`${line('mouse drag frame times, 3 drags across the columns', f)}; frames over 50 ms: ${frames.filter((x) => x > 50).length}`);
  await page.close();

  // Move latency: the owner moves the top card of To do into Doing by keyboard; the watcher's page notes when
  // that card is added to its Doing column, at the next animation frame (painted). Both pages read one clock.
  const mover = await ownerContext.newPage();
  const watcherContext = await signedIn(WATCHER);
  const watcher = await watcherContext.newPage();
  // When each WebSocket message reaches the watcher's page, before tRPC reads it: splits the latency into its parts.
  await watcher.addInitScript(`(() => {
    window.__wsIn = [];
    const Native = window.WebSocket;
    window.WebSocket = class extends Native {
      constructor(...args) {
        super(...args);
        this.addEventListener('message', (e) => {
          if (typeof e.data === 'string' && e.data.includes('moved')) {
            window.__wsIn.push([performance.timeOrigin + performance.now(), e.data]);
            performance.mark('move-message');
          }
        });
      }
    };
  })()`);
  await openBoard(mover, project.id);
  await openBoard(watcher, project.id);
  await watcher.evaluate(() => {
    const w = window as unknown as { __landed: Record<string, number> };
    w.__landed = {};
    new MutationObserver((records) => {
      for (const r of records)
        for (const n of r.addedNodes) {
          const el = n instanceof HTMLElement ? n.closest('[data-task-id]') : null;
          const list = el?.closest('[data-testid^=column-list-]');
          if (!el || !list) continue;
          const key = `${el.getAttribute('data-task-id')}@${list.getAttribute('data-testid')}`;
          requestAnimationFrame(() => {
            if (w.__landed[key]) return;
            w.__landed[key] = performance.timeOrigin + performance.now();
            performance.mark('move-painted');
          });
        }
    }).observe(document.querySelector('[data-testid=board]')!, { childList: true, subtree: true });
  });
  await mover.evaluate(() => {
    const w = window as unknown as { __dropped: number[] };
    w.__dropped = [];
    // The moment of the drop: the key press that ends a keyboard drag.
    window.addEventListener(
      'keydown',
      (e) => {
        if (e.key !== ' ') return;
        w.__dropped.push(performance.timeOrigin + performance.now());
        // The drop, not the pick-up: the same key ends the drag.
        if (document.querySelector('[data-testid=board][data-dragging=true]')) performance.mark('move-key');
      },
      { capture: true },
    );
  });
  const latencies: number[] = [];
  const slowest: { total: number; line: string }[] = [];
  const parts = { sent: [] as number[], delivered: [] as number[], painted: [] as number[], answered: [] as number[] };
  const press = async (key: string) => {
    await mover.keyboard.press(key);
    await nextFrame(mover);
  };
  if (traceFile)
    await browser.startTracing(mover, {
      path: traceFile,
      categories: [
        'devtools.timeline',
        'disabled-by-default-devtools.timeline',
        'blink.user_timing',
        'toplevel',
        'v8',
        'loading',
        'disabled-by-default-v8.cpu_profiler',
      ],
    });
  for (let i = 0; i < MOVES; i++) {
    const id = (await order(mover, 'todo'))[0]!;
    const handle: Locator = card(mover, id).getByTestId('drag-handle');
    await handle.focus();
    await press('Space');
    await mover.locator('[data-testid=board][data-dragging=true]').waitFor();
    // dnd-kit listens for the arrow keys from the next task after the pick-up: a key pressed sooner is not seen, so press again.
    for (let tries = 1; ; tries++) {
      await press('ArrowRight');
      const over = await waitUntil(
        async () => ((await liveRegion(mover).textContent()) ?? '').includes('over Doing'),
        'the card over Doing',
        1_000,
      ).catch(() => false);
      if (over) break;
      if (tries === 3) throw new Error(`move ${i + 1}: the card did not reach Doing (${await liveRegion(mover).textContent()})`);
    }
    await mover.keyboard.press('Space');
    const dropped = await mover.evaluate(() => (window as unknown as { __dropped: number[] }).__dropped.at(-1)!);
    const landed = await waitUntil(
      () => watcher.evaluate((key) => (window as unknown as { __landed: Record<string, number> }).__landed[key], `${id}@column-list-doing`),
      `move ${i + 1} in the other browser`,
    );
    latencies.push(landed - dropped);
    await mover.locator('[data-testid=board]:not([data-dragging])').waitFor();
    // The move's request in the mover (resource timing) and the event's message in the watcher.
    const request = await waitUntil(
      () =>
        mover.evaluate(() => {
          const e = performance
            .getEntriesByType('resource')
            .filter((r) => r.name.includes('tasks.move'))
            .at(-1) as PerformanceResourceTiming | undefined;
          if (!e || e.responseEnd <= 0) return null;
          // No helper function here: tsx names functions with a __name the page does not have.
          const o = performance.timeOrigin;
          return { start: o + e.startTime, onWire: o + e.requestStart, firstByte: o + e.responseStart, end: o + e.responseEnd };
        }),
      'the move request',
    );
    const arrived = await watcher.evaluate(
      (taskId) => (window as unknown as { __wsIn: [number, string][] }).__wsIn.find(([, data]) => data.includes(taskId))?.[0] ?? null,
      id,
    );
    slowest.push({
      total: landed - dropped,
      line: `drop → fetch ${ms(request.start - dropped)}, → on the wire ${ms(request.onWire - request.start)}, → answer's first byte ${ms(request.firstByte - request.onWire)}, → event at the other browser ${arrived ? ms(arrived - request.start) : '?'} after fetch, → painted ${arrived ? ms(landed - arrived) : '?'}`,
    });
    parts.sent.push(request.start - dropped);
    parts.answered.push(request.end - dropped);
    if (arrived) {
      parts.delivered.push(arrived - request.start);
      parts.painted.push(landed - arrived);
    }
  }
  if (traceFile) {
    await browser.stopTracing();
    const { breakdown } = await import('./trace-breakdown');
    console.log(breakdown(JSON.parse(fs.readFileSync(traceFile, 'utf8'))));
  }
  const l = stats(latencies);
  console.log(line(`move in one browser → painted in the other (${TASKS}-task board)`, l));
  console.log(
    `  where it goes (p50 / p95): drop → request sent ${ms(stats(parts.sent).p50)} / ${ms(stats(parts.sent).p95)}; request sent → event at the other browser ${ms(stats(parts.delivered).p50)} / ${ms(stats(parts.delivered).p95)}; event → painted ${ms(stats(parts.painted).p50)} / ${ms(stats(parts.painted).p95)}; drop → the mover's answer ${ms(stats(parts.answered).p50)} / ${ms(stats(parts.answered).p95)}`,
  );
  console.log('  the slowest moves:');
  for (const m of slowest.sort((a, b) => b.total - a.total).slice(0, 4)) console.log(`    ${ms(m.total)}: ${m.line}`);
  console.log(`  load average now: ${loadavg()}`);
  await mover.close();
  await watcher.close();

  // Lighthouse on the board in its own Chromium (it drives the browser over the debugging port), signed in by cookie.
  const cookie = (await ownerContext.cookies(server.url)).map((c) => `${c.name}=${c.value}`).join('; ');
  const [score] = await lighthouseScores(server.url, cookie, [`/projects/${project.id}/board`], LIGHTHOUSE_RUNS);
  console.log(
    `Lighthouse, board of ${TASKS} tasks (load average now ${loadavg()}): performance ${score!.performance} (median of ${score!.runs.join(', ')}; ${score!.detail}), accessibility ${score!.accessibility}`,
  );
} finally {
  await browser.close().catch(() => {});
  await server.stop('SIGKILL');
  if (!database) fs.rmSync(server.dataDir, { recursive: true, force: true });
}
