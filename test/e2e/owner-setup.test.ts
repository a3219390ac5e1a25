import http from 'node:http';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser';
import { createServerDatabase, testDbKind } from '../helpers/db';
import { type ServerProcess, startServerProcess } from '../helpers/server-process';

/**
 * First start in a browser: with no account and no ARCHON_OWNER_* variables,
 * every page leads to the owner setup form; the form creates the owner and
 * signs them in with an httpOnly cookie; afterwards setup is closed.
 */
let server: ServerProcess;
let browser: Browser;
let dropDb: (() => Promise<void>) | undefined;

beforeAll(async () => {
  const env: Record<string, string> = { EMBEDDING_DIMENSIONS: '64', ARCHON_OWNER_EMAIL: '', ARCHON_OWNER_PASSWORD: '', ARCHON_OWNER_API_KEY: '' };
  if (testDbKind() === 'postgres') {
    const db = await createServerDatabase();
    env.DATABASE_URL = db.url;
    dropDb = db.drop;
  }
  server = await startServerProcess(env);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.stop('SIGKILL');
  await dropDb?.();
});

/** A POST as a browser sends it to a page's own origin: Node's fetch would not let a test choose the Host header. */
function postAs(host: string, path: string, body: unknown): Promise<{ status: number; body: string }> {
  const url = new URL(path, server.url);
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        headers: { host, origin: `http://${host}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

describe('owner setup from another site', () => {
  it('is refused to a page that reached this server under its own domain name (DNS rebinding)', async () => {
    // A page on attacker.example whose name now resolves to 127.0.0.1: same-origin with itself, Host and Origin agree.
    const port = new URL(server.url).port;
    const rebound = await postAs(`attacker.example:${port}`, '/api/auth/setup', {
      email: 'intruder@attacker.example',
      password: 'a long enough pass phrase',
    });
    expect(rebound.status).toBe(403);
    expect(JSON.parse(rebound.body).error.message).toMatch(/ARCHON_PUBLIC_URL/);
    // Setup is still open for the person at the machine.
    const status = await fetch(`${server.url}/api/trpc/auth.status`).then((r) => r.json());
    expect(status.result.data.json.needsSetup).toBe(true);
  });
});

describe('owner setup in the browser', () => {
  it('asks for the owner on first start, signs them in, then closes setup', async () => {
    expect(server.output()).toMatch(/No account yet: open http/);
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(server.url);
    expect(new URL(page.url()).pathname).toBe('/setup');

    // A weak password is refused with the server's reason, under the password field, and nothing is created.
    await page.fill('input[name=email]', 'founder@example.com');
    await page.fill('input[name=password]', 'aaaaaaaaaaaa');
    await page.click('button[type=submit]');
    const passwordError = page.locator('input[name=password][aria-invalid=true]');
    await passwordError.waitFor({ timeout: 10_000 });
    const describedBy = (await passwordError.getAttribute('aria-describedby'))!.split(' ')[0]!;
    await expect(page.locator(`[id="${describedBy}"]`).textContent()).resolves.toMatch(/password/i);

    await page.fill('input[name=name]', 'Founder');
    await page.fill('input[name=password]', 'a much better pass phrase');
    await page.click('button[type=submit]');
    // Signed in: the dashboard opens, showing who is signed in.
    await page.waitForURL(`${server.url}/knowledge`, { timeout: 15_000 });
    await expect(page.locator('[data-testid=user-name]').textContent()).resolves.toBe('Founder');
    await page.goto(`${server.url}/settings`);
    await expect(page.locator('[data-testid=status]').textContent()).resolves.toBe('Healthy');

    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === 'archon_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    // Scripts cannot read the session cookie, only the CSRF one.
    const visible = await page.evaluate(() => document.cookie);
    expect(visible).toMatch(/archon_csrf=/);
    expect(visible).not.toMatch(/archon_session=/);
    const me = await page.evaluate(async () => (await fetch('/api/trpc/auth.me')).json());
    expect(me.result.data.json).toMatchObject({ email: 'founder@example.com', role: 'owner' });

    // Setup is now closed, for this browser and any other.
    const other = await (await browser.newContext()).newPage();
    await other.goto(`${server.url}/setup`);
    expect(new URL(other.url()).pathname).toBe('/login');
    const again = await fetch(`${server.url}/api/auth/setup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'intruder@example.com', password: 'another long password' }),
    });
    expect(again.status).toBe(409);
  });
});
