import fs from 'node:fs';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Browser, BrowserContext, Page, WebSocketRoute } from 'playwright-core';
import { expect } from 'vitest';
import { launchChromium } from './browser';
import { createServerDatabase, testDbKind } from './db';
import { type ServerProcess, startServerProcess, TEST_OWNER } from './server-process';

/**
 * The browser test kit for the dashboard: a built server on the embedded
 * database (or TEST_DATABASE_URL's server), Debian's Chromium, signed-in
 * contexts in either theme, screenshots, axe and render timings.
 *
 *   const app = await startDashboard();                 // beforeAll
 *   const page = await app.signedInPage({ theme: 'dark' });
 *   await page.goto(`${app.url}/knowledge`);
 *   await expectNoSeriousA11yViolations(page);
 *   await screenshot(page, 'knowledge', 'dark');
 *   await app.close();                                   // afterAll
 */

export type Theme = 'light' | 'dark';
export const THEMES: Theme[] = ['light', 'dark'];

export const SCREENSHOT_DIR = path.join(process.cwd(), 'test-artifacts', 'screenshots');

export type Dashboard = {
  server: ServerProcess;
  browser: Browser;
  url: string;
  /** A fresh context (own cookies, own storage) in the given colour scheme; nobody signed in. */
  newContext(opts?: { theme?: Theme; viewport?: { width: number; height: number } }): Promise<BrowserContext>;
  /**
   * A page in a new context, signed in as the test owner by default. The session is made once per
   * user and shared by later contexts (sign-in is rate limited: 10 per 15 minutes); `fresh` makes a
   * new one, for tests that sign out.
   */
  signedInPage(opts?: {
    theme?: Theme;
    viewport?: { width: number; height: number };
    email?: string;
    password?: string;
    fresh?: boolean;
  }): Promise<Page>;
  close(): Promise<void>;
};

/**
 * Starts the built server and Chromium. `owner: false` starts with no account,
 * for tests that go through owner setup; otherwise TEST_OWNER exists (and its API key).
 */
export async function startDashboard(opts: { owner?: boolean; env?: Record<string, string> } = {}): Promise<Dashboard> {
  const env: Record<string, string> = { EMBEDDING_DIMENSIONS: '64', ...opts.env };
  if (opts.owner === false) Object.assign(env, { ARCHON_OWNER_EMAIL: '', ARCHON_OWNER_PASSWORD: '', ARCHON_OWNER_API_KEY: '' });
  let dropDb: (() => Promise<void>) | undefined;
  if (testDbKind() === 'postgres') {
    const db = await createServerDatabase();
    env.DATABASE_URL = db.url;
    dropDb = db.drop;
  }
  const server = await startServerProcess(env);
  const browser = await launchChromium();
  const contexts: BrowserContext[] = [];
  const sessions = new Map<string, Awaited<ReturnType<BrowserContext['cookies']>>>();
  const newContext: Dashboard['newContext'] = async ({ theme = 'light', viewport = { width: 1280, height: 800 } } = {}) => {
    const context = await browser.newContext({ colorScheme: theme, viewport, reducedMotion: 'reduce' });
    contexts.push(context);
    return context;
  };
  return {
    server,
    browser,
    url: server.url,
    newContext,
    async signedInPage({ theme, viewport, email = TEST_OWNER.email, password = TEST_OWNER.password, fresh = false } = {}) {
      const context = await newContext({ theme, viewport });
      const saved = sessions.get(email);
      if (saved && !fresh) await context.addCookies(saved);
      else {
        await signIn(context, server.url, { email, password });
        if (!fresh) sessions.set(email, await context.cookies());
      }
      return context.newPage();
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => {});
      await browser.close().catch(() => {});
      await server.stop('SIGKILL');
      await dropDb?.();
    },
  };
}

/** Signs a context in through POST /api/auth/login, as the form does; the cookies land in the context. */
export async function signIn(context: BrowserContext, baseUrl: string, creds: { email: string; password: string } = TEST_OWNER) {
  const res = await context.request.post(`${baseUrl}/api/auth/login`, { data: creds, headers: { origin: baseUrl } });
  if (res.status() !== 200) throw new Error(`signing in as ${creds.email} failed: ${res.status()} ${await res.text()}`);
}

/**
 * tRPC calls as a signed-in browser context (its cookies, and the CSRF header on
 * mutations, as the dashboard sends them): for seeding data a page then shows.
 *
 *   const api = trpcAs(page.context(), app.url);
 *   const job = await api.mutate<{ id: string }>('knowledge.upload', { files: [...] });
 */
export function trpcAs(context: BrowserContext, baseUrl: string) {
  const unwrap = async (res: { status(): number; json(): Promise<any>; text(): Promise<string> }, path: string) => {
    const body = await res.json().catch(async () => ({ raw: await res.text() }));
    if (res.status() >= 400 || body.error) throw new Error(`${path} failed (${res.status()}): ${JSON.stringify(body.error ?? body)}`);
    return body.result.data.json;
  };
  return {
    async query<T = any>(path: string, input?: unknown): Promise<T> {
      const qs = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify({ json: input }))}`;
      return unwrap(await context.request.get(`${baseUrl}/api/trpc/${path}${qs}`), path);
    },
    async mutate<T = any>(path: string, input?: unknown): Promise<T> {
      const csrf = (await context.cookies(baseUrl)).find((c) => c.name === 'archon_csrf')?.value ?? '';
      const res = await context.request.post(`${baseUrl}/api/trpc/${path}`, {
        data: { json: input ?? null },
        headers: { 'x-csrf-token': decodeURIComponent(csrf), origin: baseUrl },
      });
      return unwrap(res, path);
    },
  };
}

/** Fills and submits the login form on the current page (which must be /login). */
export async function signInWithForm(page: Page, creds: { email: string; password: string } = TEST_OWNER) {
  await page.getByLabel('Email').fill(creds.email);
  await page.getByLabel('Password', { exact: true }).fill(creds.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/**
 * Puts the page in a theme. `via: 'system'` changes the emulated colour scheme
 * (the dashboard follows the system by default); `via: 'toggle'` picks the
 * theme in the sidebar's theme menu, which the browser then remembers.
 */
export async function setTheme(page: Page, theme: Theme | 'system', via: 'system' | 'toggle' = 'toggle') {
  if (via === 'system') {
    if (theme === 'system') throw new Error("via 'system' takes light or dark");
    await page.emulateMedia({ colorScheme: theme });
  } else {
    await page.getByTestId('theme-toggle').click();
    await page.getByRole('menuitemradio', { name: theme === 'system' ? 'System' : theme === 'dark' ? 'Dark' : 'Light' }).click();
  }
  if (theme !== 'system') await expect.poll(() => appliedTheme(page)).toBe(theme);
}

/** The theme actually applied (next-themes' class on <html>). */
export const appliedTheme = (page: Page): Promise<Theme> =>
  page.evaluate(() => (document.documentElement.classList.contains('dark') ? 'dark' : 'light'));

/** Waits until the live connection is up (the sidebar's indicator says so). */
export async function waitForLive(page: Page, timeoutMs = 15_000) {
  await page.locator('[data-testid=connection-indicator][data-state=connected]').waitFor({ timeout: timeoutMs });
}

/**
 * Waits until the page shows its content: a heading in <main> (or the auth card's) and no
 * skeleton left (Skeleton renders `data-skeleton`). Streaming and client queries both finish first.
 */
export async function waitForPageReady(page: Page, timeoutMs = 15_000) {
  await page.waitForFunction(() => Boolean(document.querySelector('main h1, main h2')) && !document.querySelector('main [data-skeleton]'), null, {
    timeout: timeoutMs,
  });
}

/**
 * Saves a full-page PNG to test-artifacts/screenshots/<name>-<theme>.png, with
 * animations stopped and the caret hidden so runs compare. Returns the path.
 */
export async function screenshot(page: Page, name: string, theme: Theme, opts: { allowLoading?: boolean } = {}): Promise<string> {
  if (!opts.allowLoading) await waitForPageReady(page);
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name.replace(/[^a-z0-9-]+/gi, '-')}-${theme}.png`);
  await page.evaluate(() => document.fonts.ready);
  await page.screenshot({ path: file, fullPage: true, animations: 'disabled', caret: 'hide' });
  return file;
}

export type A11yReport = { serious: string[]; minor: string[] };

/**
 * Runs axe (WCAG 2.0/2.1 A and AA) on the page as it is now, portals and open
 * menus included. Returns the findings as readable lines; expectNoSeriousA11yViolations asserts.
 */
export async function checkA11y(page: Page, opts: { include?: string; exclude?: string[] } = {}): Promise<A11yReport> {
  let builder = new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']);
  if (opts.include) builder = builder.include(opts.include);
  for (const e of opts.exclude ?? []) builder = builder.exclude(e);
  const result = await builder.analyze();
  const line = (v: (typeof result.violations)[number]) =>
    `${v.impact} ${v.id}: ${v.help} (${v.nodes.length}×: ${v.nodes
      .slice(0, 5)
      .map((n) => `${JSON.stringify(n.target)} ${n.html.slice(0, 160)}`)
      .join(' | ')}; ${v.nodes[0]?.failureSummary?.replace(/\s+/g, ' ') ?? ''})`;
  return {
    serious: result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map(line),
    minor: result.violations.filter((v) => v.impact !== 'serious' && v.impact !== 'critical').map(line),
  };
}

/** The quality bar: no serious or critical axe finding. `where` names the page state in the failure. */
export async function expectNoSeriousA11yViolations(page: Page, where: string, opts?: { include?: string; exclude?: string[] }) {
  const report = await checkA11y(page, opts);
  expect(report.serious, `axe on ${where}`).toEqual([]);
  return report;
}

export type RenderTiming = { ms: number; what: string };

/**
 * How long from an action until something is on screen: runs `action`, waits
 * for `selector` to be visible, then for the next two animation frames (so the
 * browser has painted), and returns the elapsed time measured in the page.
 *
 *   const t = await measureRender(page, 'sources list', () => page.goto(url), '[data-testid=sources] tbody tr');
 */
export async function measureRender(
  page: Page,
  what: string,
  action: () => Promise<unknown>,
  selector: string,
  timeoutMs = 30_000,
): Promise<RenderTiming> {
  const started = await page.evaluate(() => performance.timeOrigin + performance.now()).catch(() => Date.now());
  await action();
  await page.locator(selector).first().waitFor({ state: 'visible', timeout: timeoutMs });
  const ended = await page.evaluate(
    () =>
      new Promise<number>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.timeOrigin + performance.now())))),
  );
  return { ms: Math.round(ended - started), what };
}

/** The page's own load timings (navigation and paint entries): time to first contentful paint, DOM ready and load. */
export async function pageTimings(page: Page): Promise<{ fcp: number | null; domContentLoaded: number; load: number }> {
  return page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
    const fcp = performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null;
    return {
      fcp: fcp === null ? null : Math.round(fcp),
      domContentLoaded: Math.round(nav?.domContentLoadedEventEnd ?? 0),
      load: Math.round(nav?.loadEventEnd ?? 0),
    };
  });
}

/** p50/p95/max of a list of timings, for reports. */
export function summarise(values: number[]): { n: number; p50: number; p95: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;
  return { n: sorted.length, p50: at(0.5), p95: at(0.95), max: sorted.at(-1) ?? 0 };
}

export type LiveSocket = {
  /** Closes the page's live WebSocket(s) as a network failure would; the client reconnects at once. */
  drop(): Promise<void>;
  /**
   * An outage: the server stops answering (SIGSTOP) and the connection drops, so the
   * client's reconnects hang as they would against an unreachable host, until allow().
   */
  block(): Promise<void>;
  /** Ends the outage (SIGCONT): the pending reconnect completes. */
  allow(): void;
  /** How many connections the page opened so far. */
  connections(): number;
};

/**
 * Control over the page's tRPC WebSocket, for testing what happens when it
 * drops. Call before the page loads the dashboard: only sockets opened after
 * this are routed. Connections are proxied to the real server untouched.
 *
 * An outage freezes the server rather than refusing the routed socket:
 * Playwright's routed sockets cannot fail a handshake the way a browser does
 * (with an error event), and tRPC's client waits for open or error.
 */
export async function controlLiveSocket(page: Page, server: ServerProcess): Promise<LiveSocket> {
  const open = new Set<{ page: WebSocketRoute; server: WebSocketRoute }>();
  let count = 0;
  let frozen = false;
  await page.routeWebSocket(/\/api\/trpc-ws/, (ws) => {
    count++;
    const pair = { page: ws, server: ws.connectToServer() };
    open.add(pair);
    // With close handlers set, closing is forwarded by hand: either side's close ends the other.
    ws.onClose((code, reason) => {
      open.delete(pair);
      void pair.server.close({ code, reason }).catch(() => {});
    });
    pair.server.onClose((code, reason) => {
      open.delete(pair);
      void ws.close({ code, reason }).catch(() => {});
    });
  });
  const closeAll = async () => {
    for (const pair of [...open]) {
      open.delete(pair);
      await pair.page.close({ code: 4000, reason: 'dropped by the test' }).catch(() => {});
      await pair.server.close().catch(() => {});
    }
  };
  const resume = () => {
    if (frozen) server.proc.kill('SIGCONT');
    frozen = false;
  };
  // A failing test must not leave the server frozen for the next one.
  void server.exited.then(() => (frozen = false));
  return {
    drop: closeAll,
    async block() {
      frozen = server.proc.kill('SIGSTOP');
      await closeAll();
    },
    allow: resume,
    connections: () => count,
  };
}

/**
 * Records every state the connection indicator shows from now on, in order,
 * so a short-lived state ("reconnecting" for a few hundred ms) is not missed.
 */
export async function recordConnectionStates(page: Page): Promise<() => Promise<string[]>> {
  await page.evaluate(() => {
    const el = document.querySelector('[data-testid=connection-indicator]');
    const w = window as unknown as { __connectionStates: string[] };
    w.__connectionStates = [el?.getAttribute('data-state') ?? 'none'];
    if (!el) return;
    // Each record's oldValue is the state before it; the value after the last one is the current state.
    new MutationObserver((records) => {
      records.forEach((_, i) => {
        const value = records[i + 1]?.oldValue ?? el.getAttribute('data-state') ?? 'none';
        // A write of the same value is a mutation too, but not a change of state.
        if (w.__connectionStates.at(-1) !== value) w.__connectionStates.push(value);
      });
    }).observe(el, { attributes: true, attributeFilter: ['data-state'], attributeOldValue: true });
  });
  return () => page.evaluate(() => (window as unknown as { __connectionStates: string[] }).__connectionStates);
}
