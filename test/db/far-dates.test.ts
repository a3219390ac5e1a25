import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCaller } from '../../server/routers/_app';
import { setupOwner } from '../../server/services/auth/accounts';
import { createSession, resolveSession } from '../../server/services/auth/sessions';
import { createContextInner } from '../../server/trpc/context';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';

/**
 * Dates past the year 9999, which JavaScript holds and PostgreSQL's text form
 * of a timestamp does not take: refused by name, not an Internal server error.
 */
let rt: TestRuntime;
let owner: ReturnType<typeof createCaller>;

beforeAll(async () => {
  rt = await createTestRuntime({ env: { EMBEDDING_DIMENSIONS: '64' } });
  const user = await setupOwner(rt.database.db, { email: 'owner@example.com', password: 'a long enough password 1' });
  const session = await createSession(rt.database.db, user.id);
  owner = createCaller(createContextInner({ runtime: rt, principal: (await resolveSession(rt.database.db, session.token))!, transport: 'internal' }));
});
afterAll(async () => {
  await rt?.close();
});

const FAR = new Date('+010000-01-01T00:00:00Z');

describe('a date past the year 9999', () => {
  it('as an API key’s expiry is refused under expiresAt; 9999-12-31 is still taken', async () => {
    await expect(owner.auth.apiKeys.create({ name: 'far', expiresAt: FAR })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/expiresAt/),
    });
    const last = await owner.auth.apiKeys.create({ name: 'last day', expiresAt: new Date('9999-12-31T23:59:59Z') });
    expect(last.apiKey.expiresAt?.toISOString()).toBe('9999-12-31T23:59:59.000Z');
  });

  it('as an audit log bound is refused under its name', async () => {
    for (const bound of ['before', 'after'] as const) {
      await expect(owner.users.audit({ [bound]: FAR })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining(bound) });
    }
  });
});
