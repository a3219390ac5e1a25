import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeys, auditLog, users } from '../../db/schema';
import type { DatabaseHandle } from '../../db/types';
import { listAuditSchema } from '../../server/schemas/audit';
import { listAudit, recordAudit, sanitizeAuditDetails } from '../../server/services/security/audit-log';
import { createTestDatabase } from '../helpers/db';

let handle: DatabaseHandle;
let userId: string;
let keyId: string;
beforeAll(async () => {
  handle = await createTestDatabase();
  const [user] = await handle.db.insert(users).values({ email: 'ada@example.com', role: 'admin' }).returning({ id: users.id });
  userId = user!.id;
  const [key] = await handle.db
    .insert(apiKeys)
    .values({ userId, name: 'ci', prefix: 'ak_0123456789ab', keyHash: 'hash', scopes: ['admin'] })
    .returning({ id: apiKeys.id });
  keyId = key!.id;
});
afterAll(async () => {
  await handle?.close();
});

const list = (input: Record<string, unknown> = {}) => listAudit(handle.db, listAuditSchema.parse(input));

describe('audit log', () => {
  it('records entries and lists them newest first with the actor joined in', async () => {
    await recordAudit(handle.db, { action: 'auth.login', actorUserId: userId, target: 'ada@example.com', ip: '10.0.0.1' });
    await recordAudit(handle.db, { action: 'api_key.created', actorKeyId: keyId, target: 'ak_0123456789ab', details: { scopes: ['read'] } });
    await recordAudit(handle.db, { action: 'auth.login_failed', target: 'eve@example.com', ip: '10.0.0.9' });

    const page = await list();
    expect(page).toMatchObject({ total: 3, limit: 50, offset: 0 });
    expect(page.items.map((e) => e.action)).toEqual(['auth.login_failed', 'api_key.created', 'auth.login']);
    expect(page.items[2]).toMatchObject({
      actorUserId: userId,
      actorEmail: 'ada@example.com',
      actorKeyId: null,
      target: 'ada@example.com',
      ip: '10.0.0.1',
      details: {},
      createdAt: expect.any(Date),
    });
    expect(page.items[1]).toMatchObject({ actorKeyId: keyId, actorKeyPrefix: 'ak_0123456789ab', details: { scopes: ['read'] } });
    expect(page.items[0]).toMatchObject({ actorUserId: null, actorEmail: null, actorKeyPrefix: null });
  });

  it('filters by action, actor and time, and pages', async () => {
    for (let i = 0; i < 5; i++) {
      await recordAudit(handle.db, { action: 'settings.changed', actorUserId: userId, details: { setting: `s${i}` } });
    }
    const changes = await list({ action: 'settings.changed', limit: 2, offset: 1 });
    expect(changes.total).toBe(5);
    expect(changes.items.map((e) => e.details.setting)).toEqual(['s3', 's2']);

    const mine = await list({ actorUserId: userId });
    expect(mine.total).toBe(6);
    expect(mine.items.every((e) => e.actorUserId === userId)).toBe(true);

    const [newest] = (await list({ limit: 1 })).items;
    const older = await list({ before: new Date(newest!.createdAt.getTime()) });
    expect(older.total).toBeGreaterThan(0);
    expect(older.items.every((e) => e.createdAt < newest!.createdAt)).toBe(true);
    expect((await list({ before: new Date(0) })).total).toBe(0);
  });

  it('never stores secrets in details', async () => {
    const fullKey = `ak_0123456789ab_${'A'.repeat(43)}`;
    await recordAudit(handle.db, {
      action: 'user.invited',
      target: 'bob@example.com',
      details: {
        role: 'member',
        password: 'hunter2',
        newPassword: 'hunter3',
        inviteToken: 'tok',
        clientSecret: 'shh',
        apiKey: fullKey,
        api_key: fullKey,
        key: 'raw',
        nested: { list: [{ token: 'deep', keep: 1 }], note: `pasted ${fullKey} by mistake` },
        name: 'Bob\0by',
      },
    });
    const [entry] = (await list({ action: 'user.invited' })).items;
    expect(entry!.details).toEqual({
      role: 'member',
      nested: { list: [{ keep: 1 }], note: 'pasted [redacted] by mistake' },
      name: 'Bobby',
    });
    const raw = JSON.stringify(await handle.db.select({ details: auditLog.details }).from(auditLog));
    for (const secret of ['hunter', 'tok"', 'shh', fullKey, '"raw"', 'deep']) expect(raw).not.toContain(secret);
  });

  it('keeps details storable and bounded', () => {
    const cyclicDepth: Record<string, unknown> = {};
    let at = cyclicDepth;
    for (let i = 0; i < 20; i++) at = (at.next = {}) as Record<string, unknown>;
    const clean = sanitizeAuditDetails({ n: Number.NaN, big: 10n, when: new Date(0), long: 'x'.repeat(5_000), deep: cyclicDepth });
    expect(clean).toMatchObject({ n: null, big: '10', when: '1970-01-01T00:00:00.000Z' });
    expect((clean.long as string).length).toBeLessThanOrEqual(2_001);
    expect(JSON.stringify(clean)).toContain('[too deep]');
  });

  it('refuses unknown actions and bad filters at the schema', () => {
    expect(listAuditSchema.safeParse({ action: 'auth.hacked' }).success).toBe(false);
    expect(listAuditSchema.safeParse({ actorUserId: 'nope' }).success).toBe(false);
    expect(listAuditSchema.safeParse({ before: 'not a date' }).success).toBe(false);
    expect(listAuditSchema.parse({ before: '2026-01-01T00:00:00Z' }).before).toEqual(new Date('2026-01-01T00:00:00Z'));
    expect(listAuditSchema.parse(undefined)).toEqual({ limit: 50, offset: 0 });
  });
});
