import { createHash, createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallBody } from '../../server/runner/protocol';
import { AUTH_HEADERS, type ServerProcess, startServerProcess } from '../helpers/server-process';

/**
 * What an Inngest server (self-hosted `inngest start`, or Cloud) relies on,
 * checked against a stand-in that speaks its side of the documented protocol
 * (inngest/inngest docs/SDK_SPEC.md; the SDK is inngest 4.24.0):
 *
 * - sync: a PUT to Archon's serve endpoint makes the SDK register its
 *   functions with POST <INNGEST_BASE_URL>/fn/register, authorised by the
 *   hashed signing key;
 * - calls: the server POSTs to the serve endpoint signed with the signing key
 *   (X-Inngest-Signature: t=<unix seconds>&s=<HMAC-SHA256(body + t)>), and an
 *   unsigned, wrongly signed or stale request is refused;
 * - events: Archon sends them to POST <INNGEST_BASE_URL>/e/<event key>.
 */

const KEY_HEX = randomBytes(32).toString('hex');
const SIGNING_KEY = `signkey-test-${KEY_HEX}`;
const EVENT_KEY = `evt-${randomBytes(8).toString('hex')}`;

/** The ids (stored with every run, so they never change) and the names the Inngest dashboard shows. */
const FUNCTIONS = {
  'archon-crawl-start': 'Crawl: plan and seed',
  'archon-crawl-pages': 'Crawl: a batch of pages',
  'archon-crawl-finalize': 'Crawl: finalize',
  'archon-reembed': 'Re-embed stored chunks',
  'archon-refresh-scheduler': 'Scheduled refreshes and upkeep',
  'archon-upload-file': 'Upload: one file',
};

type Received = { method: string; path: string; headers: http.IncomingHttpHeaders; body: string };
type RegisteredFunction = {
  id: string;
  name: string;
  triggers: { event?: string; cron?: string }[];
  steps: Record<string, { runtime: { url: string } }>;
};

let standIn: http.Server;
let standInUrl: string;
const received: Received[] = [];
let server: ServerProcess;

/** What the SDK sends as its bearer token: the key's prefix, then SHA-256 of the key's bytes (hex-decoded). */
const hashedSigningKey = () => `signkey-test-${createHash('sha256').update(Buffer.from(KEY_HEX, 'hex')).digest('hex')}`;

/** A signature as the server makes it: HMAC-SHA256 keyed by the signing key without its prefix, over the body and then the timestamp. */
function sign(body: string, key = KEY_HEX, at = Math.floor(Date.now() / 1000)): string {
  return `t=${at}&s=${createHmac('sha256', key).update(body).update(String(at)).digest('hex')}`;
}

/** RFC 8785 JSON (keys sorted, no spaces), which the SDK checks signatures over: the exact bytes the server signs. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

const callBody = (): string =>
  canonical({
    event: { name: 'inngest/scheduled.timer', data: { cron: '*/15 * * * *' }, ts: Date.now(), id: 'standin-cron' },
    events: [{ name: 'inngest/scheduled.timer', data: { cron: '*/15 * * * *' }, ts: Date.now(), id: 'standin-cron' }],
    steps: {},
    ctx: {
      run_id: '01STANDINRUN',
      attempt: 0,
      max_attempts: 2,
      disable_immediate_execution: false,
      use_api: false,
      stack: { stack: [], current: 0 },
    },
  } satisfies CallBody);

const call = (body: string, signature?: string) =>
  fetch(`${server.url}/api/inngest?fnId=archon-refresh-scheduler&stepId=step`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(signature ? { 'x-inngest-signature': signature } : {}) },
    body,
  });

describe.skipIf(process.env.ARCHON_TEST_DB === 'postgres')('Archon and an Inngest server', () => {
  beforeAll(async () => {
    standIn = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = new URL(req.url ?? '/', 'http://x').pathname;
        received.push({ method: req.method ?? '', path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        const json = (status: number, body: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(body));
        };
        // As the server does: registration needs the hashed signing key, events the event key.
        if (req.method === 'POST' && path === '/fn/register') {
          return req.headers.authorization === `Bearer ${hashedSigningKey()}`
            ? json(200, { ok: true, modified: true })
            : json(401, { error: 'bad signing key' });
        }
        if (req.method === 'POST' && path.startsWith('/e/')) {
          if (path !== `/e/${EVENT_KEY}`) return json(401, { error: 'event key not found', status: 401 });
          const events = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown[];
          return json(200, { ids: events.map((_, i) => `01STANDIN${i}`), status: 200 });
        }
        json(404, { error: 'not found' });
      });
    });
    await new Promise<void>((r) => standIn.listen(0, '127.0.0.1', r));
    standInUrl = `http://127.0.0.1:${(standIn.address() as AddressInfo).port}`;
    server = await startServerProcess(
      { ARCHON_RUNNER: '', INNGEST_BASE_URL: standInUrl, INNGEST_EVENT_KEY: EVENT_KEY, INNGEST_SIGNING_KEY: SIGNING_KEY },
      120_000,
    );
  }, 150_000);
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await new Promise((r) => standIn?.close(r));
  });

  it('registers its functions when the serve endpoint is synced, with the hashed signing key, under stable readable ids and names', async () => {
    const res = await fetch(`${server.url}/api/inngest`, { method: 'PUT' });
    expect(res.status).toBe(200);
    const register = received.find((r) => r.path === '/fn/register');
    expect(register).toBeDefined();
    expect(register!.headers.authorization).toBe(`Bearer ${hashedSigningKey()}`);
    const body = JSON.parse(register!.body) as { url: string; appName: string; framework: string; functions: RegisteredFunction[] };
    expect(body.appName).toBe('archon');
    expect(body.url).toBe(`${server.url}/api/inngest`);
    const fns = Object.fromEntries(body.functions.filter((f) => !f.id.endsWith('-failure')).map((f) => [f.id, f.name]));
    expect(fns).toEqual(FUNCTIONS);
    // The server calls each function back at the serve endpoint, by its id.
    const crawlStart = body.functions.find((f) => f.id === 'archon-crawl-start')!;
    expect(crawlStart.triggers).toEqual([{ event: 'archon/crawl.requested' }]);
    const stepUrl = new URL(Object.values(crawlStart.steps)[0]!.runtime.url);
    expect(`${stepUrl.origin}${stepUrl.pathname}`).toBe(`${server.url}/api/inngest`);
    expect(stepUrl.searchParams.get('fnId')).toBe('archon-crawl-start');
  });

  it('refuses calls that are unsigned, signed with another key, or stale, and runs a correctly signed one', async () => {
    const body = callBody();
    expect((await call(body)).status).toBe(401);
    expect((await call(body, sign(body, randomBytes(32).toString('hex')))).status).toBe(401);
    expect((await call(body, sign(body, KEY_HEX, Math.floor(Date.now() / 1000) - 600))).status).toBe(401);
    // A signature over another body does not carry over.
    expect((await call(body.replace('standin-cron', 'standin-other'), sign(body))).status).toBe(401);

    const signed = await call(body, sign(body));
    expect([200, 206]).toContain(signed.status);
    // The answer is signed back with the same key, so the server can trust it.
    const answer = await signed.text();
    const signature = new URLSearchParams(signed.headers.get('x-inngest-signature') ?? '');
    expect(signature.get('s')).toBe(createHmac('sha256', KEY_HEX).update(answer).update(signature.get('t')!).digest('hex'));

    // Introspection too: refused to a caller that cannot prove the key, detailed to one that can.
    const anonymous = await fetch(`${server.url}/api/inngest`);
    expect(anonymous.status).toBe(401);
    const trusted = (await (await fetch(`${server.url}/api/inngest`, { headers: { 'x-inngest-signature': sign('') } })).json()) as Record<
      string,
      unknown
    >;
    expect(trusted).toMatchObject({
      authentication_succeeded: true,
      app_id: 'archon',
      api_origin: standInUrl,
      event_api_origin: standInUrl,
    });
  });

  it('sends job events to INNGEST_BASE_URL/e/<event key>', async () => {
    const before = received.length;
    const res = await fetch(`${server.url}/api/trpc/knowledge.crawl`, {
      method: 'POST',
      headers: { ...AUTH_HEADERS, 'content-type': 'application/json' },
      body: JSON.stringify({ json: { url: 'https://docs.example.com/' } }),
    });
    expect(res.status).toBe(200);
    const job = ((await res.json()) as { result: { data: { json: { id: string } } } }).result.data.json;
    const sent = received.slice(before).filter((r) => r.path.startsWith('/e/'));
    expect(sent.map((r) => r.path)).toEqual([`/e/${EVENT_KEY}`]);
    const events = JSON.parse(sent[0]!.body) as { name: string; data: { jobId: string } }[];
    expect(events).toEqual([expect.objectContaining({ name: 'archon/crawl.requested', data: expect.objectContaining({ jobId: job.id }) })]);
    // The job stays queued for the server to run; nothing runs it here.
    const got = await fetch(`${server.url}/api/trpc/jobs.get?input=${encodeURIComponent(JSON.stringify({ json: { id: job.id } }))}`, {
      headers: AUTH_HEADERS,
    });
    expect(((await got.json()) as { result: { data: { json: { status: string } } } }).result.data.json.status).toBe('queued');
  });
});
