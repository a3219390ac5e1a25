import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetricsHandler, routeLabel } from '../../server/http/metrics-route';
import { countHttpRequest } from '../../server/runtime/metrics';
import { acceptInvitation, inviteUser, setupOwner } from '../../server/services/auth/accounts';
import { createApiKey } from '../../server/services/auth/api-keys';
import { type DocsSite, startDocsSite } from '../fixtures/docs-site';
import { type FakeOpenAI, startFakeOpenAI } from '../fixtures/fake-openai';
import { openJobStream } from '../helpers/job-stream';
import { type Family, parsePrometheus, metricValue as value } from '../helpers/prometheus';
import { createTestRuntime, jobSettled, type TestRuntime } from '../helpers/runtime';

const METRICS_TOKEN = 'metrics-token-0123456789';
let rt: TestRuntime;
let site: DocsSite;
let fake: FakeOpenAI;
let adminKey: string;
let memberKey: string;

beforeAll(async () => {
  site = await startDocsSite();
  fake = await startFakeOpenAI({ dimensions: 64 });
  rt = await createTestRuntime({
    runner: true,
    env: {
      CRAWL_ALLOWED_HOSTS: site.host,
      EMBEDDING_DIMENSIONS: '64',
      EMBEDDING_BASE_URL: fake.url,
      EMBEDDING_API_KEY: 'sk-test-not-a-real-key',
      EMBEDDING_MODEL: 'text-embedding-3-small',
      RUNNER_SLOTS: '2',
      METRICS_TOKEN,
    },
  });
  const owner = await setupOwner(rt.database.db, { email: 'owner@example.com', password: 'a long enough password 1' });
  adminKey = (await createApiKey(rt.database.db, owner.id, { name: 'scraper', scopes: ['admin'] })).key;
  const { token } = await inviteUser(rt.database.db, { email: 'member@example.com', role: 'member' }, null);
  const member = await acceptInvitation(rt.database.db, { token, password: 'a long enough password 1' });
  memberKey = (await createApiKey(rt.database.db, member.id, { name: 'member', scopes: ['write'] })).key;
}, 60_000);
afterAll(async () => {
  await rt?.close();
  await site?.close();
  await fake?.close();
});

const handler = () => createMetricsHandler(rt, { runner: 'local', wsConnections: () => 3 });
const scrapeWith = (headers: Record<string, string>, method = 'GET') => handler()(new Request('http://localhost/api/metrics', { method, headers }));

async function scrape(): Promise<Family[]> {
  const res = await scrapeWith({ authorization: `Bearer ${adminKey}` });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheus(await res.text());
}

describe('/api/metrics access', () => {
  it('answers 401 without credentials and with a wrong token, 403 for a member, and 200 for an admin key or METRICS_TOKEN', async () => {
    const anonymous = await scrapeWith({});
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await anonymous.text()).not.toContain('archon_');
    expect((await scrapeWith({ authorization: 'Bearer not-the-metrics-token' })).status).toBe(401);
    const member = await scrapeWith({ authorization: `Bearer ${memberKey}` });
    expect(member.status).toBe(403);
    expect(await member.text()).not.toContain('archon_');
    expect((await scrapeWith({ authorization: `Bearer ${adminKey}` })).status).toBe(200);
    expect((await scrapeWith({ authorization: `Bearer ${METRICS_TOKEN}` })).status).toBe(200);
    expect((await scrapeWith({ 'x-api-key': METRICS_TOKEN })).status).toBe(200);
    const posted = await scrapeWith({ authorization: `Bearer ${METRICS_TOKEN}` }, 'POST');
    expect(posted.status).toBe(405);
    expect(posted.headers.get('allow')).toBe('GET, HEAD');
  });
});

describe('the exposition', () => {
  it('parses, documents every family, and holds what operators watch', async () => {
    const families = await scrape();
    for (const f of families) {
      expect(f.help, f.name).not.toBe('');
      expect(['counter', 'gauge', 'histogram', 'summary']).toContain(f.type);
    }
    const names = new Set(families.map((f) => f.name));
    for (const name of [
      'archon_http_requests_total',
      'archon_http_request_duration_seconds',
      'archon_trpc_calls_total',
      'archon_trpc_call_duration_seconds',
      'archon_ws_connections',
      'archon_ws_subscriptions',
      'archon_jobs',
      'archon_pages_processed_total',
      'archon_chunks_stored_total',
      'archon_embedding_requests_total',
      'archon_embedding_tokens_total',
      'archon_log_lines_total',
      'archon_runner_queue_depth',
      'archon_runner_busy_slots',
      'archon_runner_slots',
      'archon_db_pool_max',
      'archon_vector_backlog_rows',
      'archon_database_up',
      'archon_info',
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
    ]) {
      expect(names, name).toContain(name);
    }
    expect(value(families, 'archon_database_up')).toBe(1);
    expect(value(families, 'archon_runner_slots')).toBe(2);
    expect(value(families, 'archon_ws_connections')).toBe(3);
    expect(value(families, 'archon_info', { runner: 'local', database: rt.database.mode })).toBe(1);
    // Every kind and status is there from the start, zero or not.
    expect(families.find((f) => f.name === 'archon_jobs')!.samples).toHaveLength(4 * 5);
    expect(value(families, 'archon_db_pool_max')).toBe(rt.database.mode === 'postgres' ? rt.config.DATABASE_POOL_MAX : 1);
    if (rt.database.mode === 'postgres') expect(value(families, 'archon_db_connections')).toBeGreaterThan(0);
  });

  it('moves its counters when work happens: calls, a crawl, its pages, chunks and embeddings, a subscription', async () => {
    const before = await scrape();

    const stream = openJobStream(rt, {});
    await stream.ready;
    const job = await rt.caller.knowledge.crawl({ url: `${site.url}/docs/`, mode: 'recursive', maxDepth: 2 });
    const first = await stream.next(20_000);
    expect(first).toMatchObject({ jobId: job.id });
    const during = await scrape();
    expect(value(during, 'archon_ws_subscriptions', { procedure: 'jobs.onProgress' })).toBe(1);
    await stream.close();

    expect((await jobSettled(rt, job.id)).status).toBe('completed');
    // The job is marked completed by its last run, which is still finishing then.
    await rt.runner!.idle();
    await expect(rt.caller.jobs.get({ id: '00000000-0000-4000-8000-000000000000' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const after = await scrape();

    const delta = (name: string, labels: Record<string, string> = {}) => value(after, name, labels) - value(before, name, labels);
    expect(delta('archon_trpc_calls_total', { procedure: 'knowledge.crawl', type: 'mutation', transport: 'internal', code: 'OK' })).toBe(1);
    expect(delta('archon_trpc_call_duration_seconds', { procedure: 'knowledge.crawl' })).toBe(1);
    expect(delta('archon_trpc_calls_total', { procedure: 'jobs.get', code: 'NOT_FOUND' })).toBe(1);
    expect(delta('archon_trpc_calls_total', { procedure: 'jobs.onProgress', type: 'subscription' })).toBe(1);
    expect(value(after, 'archon_ws_subscriptions', { procedure: 'jobs.onProgress' })).toBe(0);
    expect(delta('archon_subscription_events_total', { procedure: 'jobs.onProgress' })).toBeGreaterThanOrEqual(1);

    expect(delta('archon_jobs', { kind: 'crawl', status: 'completed' })).toBe(1);
    const fetched = delta('archon_pages_processed_total', { kind: 'crawl', outcome: 'fetched' });
    expect(fetched).toBeGreaterThanOrEqual(3);
    expect(delta('archon_chunks_stored_total', { kind: 'crawl' })).toBeGreaterThanOrEqual(fetched);
    expect(delta('archon_embeddings_stored_total', { kind: 'crawl', outcome: 'done' })).toBeGreaterThanOrEqual(fetched);

    // Embeddings as the provider saw them: requests, texts, and the tokens it reported.
    const model = { model: 'text-embedding-3-small' };
    const requests = fake.requests.filter((r) => r.path === '/v1/embeddings').length;
    expect(requests).toBeGreaterThan(0);
    expect(value(after, 'archon_embedding_requests_total', { ...model, outcome: 'ok' })).toBe(requests);
    expect(delta('archon_embedding_texts_total', model)).toBeGreaterThanOrEqual(delta('archon_chunks_stored_total', { kind: 'crawl' }));
    expect(delta('archon_embedding_tokens_total', model)).toBeGreaterThan(0);

    // The runner is idle again and the job folded its vectors into the index.
    expect(value(after, 'archon_runner_busy_slots')).toBe(0);
    expect(value(after, 'archon_runner_queue_depth')).toBe(0);
    expect(value(after, 'archon_vector_backlog_rows')).toBe(0);
  }, 60_000);

  it('counts HTTP requests under a bounded set of routes', async () => {
    expect(routeLabel('/api/trpc/knowledge.search,jobs.list')).toBe('/api/trpc');
    expect(routeLabel('/api/sources/3f0c/export')).toBe('/api/sources/:id/export');
    expect(routeLabel('/api/auth/login')).toBe('/api/auth/login');
    expect(routeLabel('/api/auth/../../etc')).toBe('/api/auth/other');
    expect(routeLabel('/api/nothing-here')).toBe('/api/other');
    expect(routeLabel('/_next/static/chunks/a.js')).toBe('/_next/static');
    expect(routeLabel('/knowledge/pages/123')).toBe('page');
    const before = value(await scrape(), 'archon_http_requests_total', { route: '/api/health', method: 'GET', status: '200' });
    countHttpRequest({ route: '/api/health', method: 'GET' }, 200, 0.004);
    const after = await scrape();
    expect(value(after, 'archon_http_requests_total', { route: '/api/health', method: 'GET', status: '200' })).toBe(before + 1);
  });
});
