import { afterEach, describe, expect, it, vi } from 'vitest';
import { createArchonClient, errorCode } from '../../packages/client/src/node';

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("the client's error codes", () => {
  it('tells a subscription with no WebSocket to use from an Archon that cannot be reached', async () => {
    // Node 20 has no global WebSocket; a newer Node's is taken away, as the test is about a runtime without one.
    vi.stubGlobal('WebSocket', undefined);
    const archon = createArchonClient({ url: 'http://127.0.0.1:9', apiKey: 'ak_test' });
    const failed = await new Promise<unknown>((resolve) => archon.jobs.onProgress.subscribe({}, { onError: resolve }));
    // Nothing was asked of Archon: a program that waits and retries on NETWORK would wait for good.
    expect((failed as Error).message).toMatch(/^Subscriptions need a WebSocket/);
    expect(errorCode(failed)).toBe('NO_WEBSOCKET');
    const unreachable = await archon.system.health.query().catch((e: unknown) => e);
    expect(errorCode(unreachable)).toBe('NETWORK');
    await archon.close();
  });
});
