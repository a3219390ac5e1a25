import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rateLimits, sources } from '../../db/schema';
import { createCaller } from '../../server/routers/_app';
import { setupOwner } from '../../server/services/auth/accounts';
import { resolveApiKey } from '../../server/services/auth/api-keys';
import { createOwnKey, revokeKey } from '../../server/services/auth/manage-keys';
import { type Principal, SYSTEM_PRINCIPAL } from '../../server/services/auth/principal';
import { signIn } from '../../server/services/auth/sign-in';
import { listAudit } from '../../server/services/security/audit-log';
import { createRateLimiter, DEFAULT_RATE_LIMITS, rateLimitRules } from '../../server/services/security/rate-limit';
import { createContextInner } from '../../server/trpc/context';
import { clearOfWindowEdge } from '../helpers/rate-window';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';

/** What the audit log records for the actions the security issue names, and what it never records. */
let rt: TestRuntime;
const PASSWORD = 'the owner pass phrase';

beforeAll(async () => {
  rt = await createTestRuntime();
  await setupOwner(rt.database.db, { email: 'owner@example.com', password: PASSWORD });
  const limiter = createRateLimiter(rt.database.db, rateLimitRules());
  await expect(
    signIn(rt.database.db, limiter, { email: 'owner@example.com', password: 'wrong one entirely' }, { ip: '10.0.0.9', userAgent: null }),
  ).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  await signIn(rt.database.db, limiter, { email: 'OWNER@example.com', password: PASSWORD }, { ip: '10.0.0.9', userAgent: 'test' });
  // Keys belong to people: the in-process system principal cannot own one.
  await expect(createOwnKey(rt.database.db, { principal: SYSTEM_PRINCIPAL, ip: null }, { name: 'x', scopes: ['read'] })).rejects.toMatchObject({
    code: 'FORBIDDEN',
  });
});
afterAll(async () => {
  await rt?.close();
});

describe('the audit log', () => {
  it('records sign-ins and failures, key creation and revocation, and source deletion, with no secrets', async () => {
    const [session] = (await listAudit(rt.database.db, { action: 'auth.login', limit: 10, offset: 0 })).items;
    expect(session).toMatchObject({ target: 'owner@example.com', ip: '10.0.0.9' });
    const ownerId = session!.actorUserId!;
    const principal: Principal = {
      kind: 'session',
      userId: ownerId,
      email: 'owner@example.com',
      role: 'owner',
      capabilities: ['read', 'write', 'admin'],
    };
    const { key, apiKey } = await createOwnKey(rt.database.db, { principal, ip: '10.0.0.9' }, { name: 'ci', scopes: ['write'] });
    await revokeKey(rt.database.db, { principal, ip: '10.0.0.9' }, apiKey.id);
    expect(await resolveApiKey(rt.database.db, key)).toBeNull();

    await rt.database.db.insert(sources).values({ id: 'doomed', kind: 'upload', title: 'Doomed' });
    await rt.caller.knowledge.deleteSource({ id: 'doomed' });

    const all = (await listAudit(rt.database.db, { limit: 50, offset: 0 })).items;
    expect(all.map((a) => a.action).sort()).toEqual(
      ['api_key.created', 'api_key.revoked', 'auth.login', 'auth.login_failed', 'source.deleted'].sort(),
    );
    expect(all.find((a) => a.action === 'api_key.created')).toMatchObject({
      target: apiKey.prefix,
      actorUserId: ownerId,
      details: { name: 'ci', scopes: ['write'] },
    });
    expect(all.find((a) => a.action === 'source.deleted')).toMatchObject({ target: 'doomed', details: { title: 'Doomed' } });
    expect(all.find((a) => a.action === 'auth.login_failed')).toMatchObject({ target: 'owner@example.com', actorUserId: null });
    const text = JSON.stringify(all);
    expect(text).not.toContain(key.slice(apiKey.prefix.length + 1));
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain('wrong one entirely');
  });

  it('refuses an expensive call over its rate limit with the wait in the error', async () => {
    const [login] = (await listAudit(rt.database.db, { action: 'auth.login', limit: 1, offset: 0 })).items;
    const principal: Principal = {
      kind: 'session',
      userId: login!.actorUserId!,
      email: 'owner@example.com',
      role: 'owner',
      capabilities: ['read', 'write', 'admin'],
    };
    const limiter = createRateLimiter(rt.database.db, rateLimitRules());
    await clearOfWindowEdge(DEFAULT_RATE_LIMITS.search.windowMs, 5_000);
    // One real hit makes the bucket; raising its count to the limit stands in for 599 more.
    await limiter.hit('search', `user:${principal.userId}`);
    await rt.database.db
      .update(rateLimits)
      .set({ hits: DEFAULT_RATE_LIMITS.search.limit })
      .where(eq(rateLimits.bucket, `search:user:${principal.userId}`));
    const caller = createCaller(createContextInner({ runtime: rt, principal }));
    const error = await caller.knowledge.search({ query: 'anything' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'TOO_MANY_REQUESTS', message: expect.stringMatching(/search calls; try again in \d+ s/) });
    // Other people are not affected.
    await expect(rt.caller.knowledge.search({ query: 'anything' })).resolves.toBeDefined();
  });
});
