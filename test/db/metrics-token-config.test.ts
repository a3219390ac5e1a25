import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../server/config';
import { createMetricsHandler } from '../../server/http/metrics-route';
import { createTestRuntime } from '../helpers/runtime';

// METRICS_TOKEN is presented as `Authorization: Bearer <token>`, which ends at the first space (Prometheus sends
// `credentials` as it is): a token with a space in it could never be presented, and every scrape got 401.

const TOKEN = 'correct horse battery staple for metrics';

describe('METRICS_TOKEN with a space in it', () => {
  it('is refused at start naming the variable, rather than accepted and then refusing every scrape that presents it', async () => {
    let rt: Awaited<ReturnType<typeof createTestRuntime>>;
    try {
      rt = await createTestRuntime({ env: { METRICS_TOKEN: TOKEN } });
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(/METRICS_TOKEN: /);
      return;
    }
    const scrape = createMetricsHandler(rt, { runner: 'local', wsConnections: () => 0 });
    const res = await scrape(new Request('http://localhost/api/metrics', { headers: { authorization: `Bearer ${TOKEN}` } }));
    await rt.close();
    expect.fail(`Archon started with METRICS_TOKEN='${TOKEN}', and a scrape presenting it got ${res.status}`);
  });
});
