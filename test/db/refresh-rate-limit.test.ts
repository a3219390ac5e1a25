import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCaller } from '../../server/routers/_app';
import { setupOwner } from '../../server/services/auth/accounts';
import type { Principal } from '../../server/services/auth/principal';
import { createContextInner } from '../../server/trpc/context';
import { clearOfWindowEdge } from '../helpers/rate-window';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';

/** A refresh starts a crawl job, so it counts against the crawl limit like a crawl does. */
let rt: TestRuntime;
let owner: Principal;
const LIMIT = 2;

beforeAll(async () => {
  rt = await createTestRuntime({ env: { RATE_LIMIT_CRAWL_PER_MINUTE: String(LIMIT) } });
  const user = await setupOwner(rt.database.db, { email: 'owner@example.com', password: 'a long enough password 1' });
  owner = { kind: 'session', userId: user.id, email: user.email, role: 'owner', capabilities: ['read', 'write', 'admin'] };
});
afterAll(async () => {
  await rt?.close();
});

describe('knowledge.refresh', () => {
  it('is refused past the crawl limit, which it shares with knowledge.crawl', async () => {
    const caller = createCaller(createContextInner({ runtime: rt, principal: owner }));
    await clearOfWindowEdge(60_000, 10_000);
    // Each call counts, found or not: the limit is checked before the source is looked up.
    for (let i = 0; i < LIMIT; i++) await expect(caller.knowledge.refresh({ id: 'no-such-source' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(caller.knowledge.refresh({ id: 'no-such-source' })).rejects.toMatchObject({
      code: 'TOO_MANY_REQUESTS',
      message: expect.stringMatching(/crawl calls; try again in \d+ s/),
    });
    await expect(caller.knowledge.crawl({ url: 'https://example.com/' })).rejects.toMatchObject({ code: 'TOO_MANY_REQUESTS' });
    // In-process callers (the scheduler, tests) are not limited.
    await expect(rt.caller.knowledge.refresh({ id: 'no-such-source' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
