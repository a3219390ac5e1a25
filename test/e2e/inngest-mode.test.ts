import { afterEach, describe, expect, it } from 'vitest';
import { type ServerProcess, startServerProcess } from '../helpers/server-process';
import { createArchonClient } from '../helpers/trpc-client';

let server: ServerProcess | undefined;
afterEach(async () => {
  await server?.stop('SIGKILL');
  server = undefined;
});

describe.skipIf(process.env.ARCHON_TEST_DB === 'postgres')('choosing the job executor', () => {
  it('serves the functions to an Inngest server when one is configured, and says so when it cannot be reached', async () => {
    // INNGEST_DEV points at a port where nothing listens: the endpoint works, sends fail fast.
    server = await startServerProcess({ INNGEST_DEV: 'http://127.0.0.1:9', ARCHON_RUNNER: '' });
    const res = await fetch(`${server.url}/api/inngest`);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ mode: 'dev', function_count: expect.any(Number) });
    expect(body.function_count).toBeGreaterThanOrEqual(3);

    const { client, wsClient } = createArchonClient(server.url);
    try {
      const err = await client.knowledge.crawl.mutate({ url: 'https://docs.example.com/' }).catch((e: unknown) => e);
      expect(err).toMatchObject({ data: { code: 'SERVICE_UNAVAILABLE', httpStatus: 503 } });
      const jobs = await client.jobs.list.query({});
      expect(jobs.items[0]).toMatchObject({ status: 'failed', error: expect.stringMatching(/Could not queue the crawl/) });
    } finally {
      await wsClient.close();
    }
  }, 60_000);

  it('does not serve the functions while the local runner runs them', async () => {
    server = await startServerProcess({ ARCHON_RUNNER: 'local' });
    const res = await fetch(`${server.url}/api/inngest`);
    expect(res.status).toBe(404);
    expect((await res.json()).error).toMatch(/local runner/);
  });
});
