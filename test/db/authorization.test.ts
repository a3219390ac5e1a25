import { TRPCError } from '@trpc/server';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeys, users } from '../../db/schema';
import { authorizeRequest } from '../../server/http/authorize';
import { appRouter, createCaller } from '../../server/routers/_app';
import { acceptInvitation, inviteUser, setupOwner } from '../../server/services/auth/accounts';
import { createApiKey, resolveApiKey } from '../../server/services/auth/api-keys';
import type { Principal } from '../../server/services/auth/principal';
import { createSession, resolveSession } from '../../server/services/auth/sessions';
import { createContextInner } from '../../server/trpc/context';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';

/**
 * Authorization by role and key scope, enumerated over the whole router:
 * a procedure added without the right protection makes these tests fail.
 */
type ProcedureType = 'query' | 'mutation' | 'subscription';
const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, { _def: { type: ProcedureType } }>);
const PUBLIC = ['system.health', 'auth.status'];
/** One's own account and keys: any signed-in person (keys need the admin scope). */
const ACCOUNT = ['auth.me', 'auth.apiKeys.list', 'auth.apiKeys.create', 'auth.apiKeys.revoke'];
const ADMIN_ONLY = [
  'users.list',
  'users.invite',
  'users.invitations.list',
  'users.invitations.revoke',
  'users.setRole',
  'users.setDisabled',
  'users.audit',
];

let rt: TestRuntime;
const people: Record<'owner' | 'admin' | 'member' | 'viewer', { id: string; session: Principal }> = {} as never;
const keys: Record<string, { key: string; id: string; principal: Principal }> = {};
const PASSWORD = 'a long enough password 1';

async function personWith(role: 'admin' | 'member' | 'viewer') {
  const { token } = await inviteUser(rt.database.db, { email: `${role}@example.com`, role }, null);
  const user = await acceptInvitation(rt.database.db, { token, password: PASSWORD });
  const session = await createSession(rt.database.db, user.id);
  return { id: user.id, session: (await resolveSession(rt.database.db, session.token))! };
}

function callerFor(principal: Principal | null, opts: { transport?: 'http' | 'ws' | 'internal'; headers?: Headers; ip?: string } = {}) {
  return createCaller(createContextInner({ runtime: rt, principal, transport: opts.transport ?? 'internal', headers: opts.headers, ip: opts.ip }));
}

async function outcome(caller: unknown, path: string, type: ProcedureType): Promise<string> {
  const segments = path.split('.');
  const owner = segments.slice(0, -1).reduce((node: any, key) => node[key], caller) as Record<string, (input: unknown) => Promise<unknown>>;
  try {
    const result = await owner[segments.at(-1)!]!({});
    if (type === 'subscription') await (result as AsyncIterable<unknown>)[Symbol.asyncIterator]().return?.();
    return 'ok';
  } catch (err) {
    return err instanceof TRPCError ? err.code : `threw ${String(err)}`;
  }
}

beforeAll(async () => {
  rt = await createTestRuntime();
  const owner = await setupOwner(rt.database.db, { email: 'owner@example.com', password: PASSWORD });
  const ownerSession = await createSession(rt.database.db, owner.id);
  people.owner = { id: owner.id, session: (await resolveSession(rt.database.db, ownerSession.token))! };
  people.admin = await personWith('admin');
  people.member = await personWith('member');
  people.viewer = await personWith('viewer');
  for (const [name, userId, scopes] of [
    ['owner-read', owner.id, ['read']],
    ['owner-write', owner.id, ['write']],
    ['owner-admin', owner.id, ['admin']],
    ['viewer-admin', people.viewer.id, ['admin']],
    ['member-write', people.member.id, ['write']],
  ] as const) {
    const { key, apiKey } = await createApiKey(rt.database.db, userId, { name, scopes: [...scopes] });
    keys[name] = { key, id: apiKey.id, principal: (await resolveApiKey(rt.database.db, key))! };
  }
});
afterAll(async () => {
  await rt?.close();
});

describe('who may call what', () => {
  it('anonymous callers reach only the public procedures', async () => {
    const anonymous = callerFor(null, { transport: 'http' });
    const results = await Promise.all(procedures.map(async ([path, p]) => [path, await outcome(anonymous, path, p._def.type)] as const));
    const reached = results.filter(([, code]) => code !== 'UNAUTHORIZED').map(([path]) => path);
    expect(reached.sort()).toEqual([...PUBLIC].sort());
  });

  it('viewers and read-scope keys cannot call any mutation, except viewers on their own keys', async () => {
    const mutations = procedures.filter(([, p]) => p._def.type === 'mutation').map(([path]) => path);
    expect(mutations.length).toBeGreaterThan(20);
    for (const [who, caller, allowed] of [
      ['viewer', callerFor(people.viewer.session), ACCOUNT],
      ['read key', callerFor(keys['owner-read']!.principal), []],
      // A key cannot do more than its user: a viewer's admin-scope key only reads, so it cannot manage keys either.
      ['viewer admin key', callerFor(keys['viewer-admin']!.principal), []],
    ] as const) {
      const reached: string[] = [];
      for (const path of mutations) {
        const code = await outcome(caller, path, 'mutation');
        if (code !== 'FORBIDDEN') reached.push(path);
      }
      expect(reached, who).toEqual(mutations.filter((m) => (allowed as readonly string[]).includes(m)));
    }
  });

  it('members and write keys cannot manage people; admins and admin keys can', async () => {
    for (const [who, principal, forbidden] of [
      ['member', people.member.session, true],
      ['member write key', keys['member-write']!.principal, true],
      ['owner write key', keys['owner-write']!.principal, true],
      ['admin', people.admin.session, false],
      ['owner admin key', keys['owner-admin']!.principal, false],
    ] as const) {
      const caller = callerFor(principal);
      for (const path of ADMIN_ONLY) {
        const type = procedures.find(([p]) => p === path)![1]._def.type;
        const code = await outcome(caller, path, type);
        expect(code === 'FORBIDDEN', `${who} ${path}: ${code}`).toBe(forbidden);
      }
    }
  });

  it("members see and revoke only their own keys; admins see everyone's", async () => {
    const member = callerFor(people.member.session);
    const own = await member.auth.apiKeys.list();
    expect(own.map((k) => k.userEmail)).toEqual(['member@example.com']);
    await expect(member.auth.apiKeys.list({ allUsers: true })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(member.auth.apiKeys.revoke({ id: keys['owner-read']!.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await resolveApiKey(rt.database.db, keys['owner-read']!.key)).not.toBeNull();
    const all = await callerFor(people.admin.session).auth.apiKeys.list({ allUsers: true });
    expect(all.length).toBe(Object.keys(keys).length);
    // Nobody can give a key more than their role has.
    await expect(member.auth.apiKeys.create({ name: 'too strong', scopes: ['admin'] })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});

describe('API keys', () => {
  it('are shown once, stored only as a hash with a visible prefix, and work until revoked', async () => {
    const viewer = callerFor(people.viewer.session);
    const { key, apiKey } = await viewer.auth.apiKeys.create({ name: 'mcp client', scopes: ['read'] });
    expect(key).toMatch(/^ak_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(key.startsWith(apiKey.prefix)).toBe(true);
    const [row] = await rt.database.db.select().from(apiKeys).where(eq(apiKeys.id, apiKey.id));
    expect(JSON.stringify(row)).not.toContain(key.slice(apiKey.prefix.length + 1));
    expect(JSON.stringify(await viewer.auth.apiKeys.list())).not.toContain(key.slice(apiKey.prefix.length + 1));

    const principal = await resolveApiKey(rt.database.db, key);
    expect(principal).toMatchObject({ kind: 'api-key', userId: people.viewer.id, capabilities: ['read'] });
    expect((await rt.database.db.select().from(apiKeys).where(eq(apiKeys.id, apiKey.id)))[0]!.lastUsedAt).not.toBeNull();
    // Near misses are refused.
    expect(await resolveApiKey(rt.database.db, `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`)).toBeNull();
    expect(await resolveApiKey(rt.database.db, 'ak_000000000000_' + 'x'.repeat(43))).toBeNull();

    await viewer.auth.apiKeys.revoke({ id: apiKey.id });
    expect(await resolveApiKey(rt.database.db, key)).toBeNull();
  });

  it('get the most their creator can give when no scopes are asked for', async () => {
    const created: Record<string, unknown> = {};
    for (const role of ['owner', 'admin', 'member', 'viewer'] as const) {
      const { key, apiKey } = await callerFor(people[role].session).auth.apiKeys.create({ name: `default ${role}` });
      created[role] = apiKey.scopes;
      expect((await resolveApiKey(rt.database.db, key))!.capabilities, role).toEqual(people[role].session.capabilities);
    }
    expect(created).toEqual({ owner: ['admin'], admin: ['admin'], member: ['write'], viewer: ['read'] });
    // An admin-scope key of the owner's, the only kind that manages keys, gives admin too.
    expect((await callerFor(keys['owner-admin']!.principal).auth.apiKeys.create({ name: 'by key' })).apiKey.scopes).toEqual(['admin']);
    const audit = await callerFor(people.owner.session).users.audit({ action: 'api_key.created' });
    expect(audit.items.find((e) => (e.details as { name?: string }).name === 'default member')?.details).toEqual({
      name: 'default member',
      scopes: ['write'],
    });
    // Asking for none at all is still a mistake.
    await expect(callerFor(people.member.session).auth.apiKeys.create({ name: 'empty', scopes: [] })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('stop working when they expire or their user is disabled', async () => {
    const { key, apiKey } = await createApiKey(rt.database.db, people.member.id, {
      name: 'short',
      scopes: ['read'],
      expiresAt: new Date(Date.now() + 60_000),
    });
    expect(await resolveApiKey(rt.database.db, key)).not.toBeNull();
    await rt.database.db
      .update(apiKeys)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(apiKeys.id, apiKey.id));
    expect(await resolveApiKey(rt.database.db, key)).toBeNull();
    await expect(
      createApiKey(rt.database.db, people.member.id, { name: 'past', scopes: ['read'], expiresAt: new Date(Date.now() - 1) }),
    ).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });

    const admin = callerFor(people.admin.session);
    await admin.users.setDisabled({ id: people.member.id, disabled: true });
    expect(await resolveApiKey(rt.database.db, keys['member-write']!.key)).toBeNull();
    await admin.users.setDisabled({ id: people.member.id, disabled: false });
    expect(await resolveApiKey(rt.database.db, keys['member-write']!.key)).not.toBeNull();
    // Disabling ended the member's sessions for good.
    const [member] = await rt.database.db.select().from(users).where(eq(users.id, people.member.id));
    expect(member!.disabledAt).toBeNull();
  });
});

describe('CSRF', () => {
  it('refuses cookie-authenticated mutations over HTTP without the session token, and accepts them with it', async () => {
    const session = people.member.session;
    const noToken = callerFor(session, { transport: 'http' });
    await expect(noToken.projects.create({ title: 'csrf' })).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: expect.stringMatching(/x-csrf-token/),
    });
    const wrong = callerFor(session, { transport: 'http', headers: new Headers({ 'x-csrf-token': 'nope' }) });
    await expect(wrong.projects.create({ title: 'csrf' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const right = callerFor(session, { transport: 'http', headers: new Headers({ 'x-csrf-token': session.csrfToken! }) });
    await expect(right.projects.create({ title: 'csrf ok' })).resolves.toMatchObject({ title: 'csrf ok' });
    // Queries need no token, and API keys need none either.
    await expect(noToken.projects.list({})).resolves.toBeDefined();
    await expect(callerFor(keys['owner-write']!.principal, { transport: 'http' }).projects.create({ title: 'by key' })).resolves.toBeDefined();
  });
});

describe('one authorization path', () => {
  const messageOf = (p: Promise<unknown>) =>
    p.then(
      () => 'ok',
      (e: Error) => e.message,
    );

  it('refuses in plain route handlers with the words tRPC uses', async () => {
    const { token } = await createSession(rt.database.db, people.viewer.id);
    const viewerSession = (await resolveSession(rt.database.db, token))!;
    const request = (headers: Record<string, string>, method = 'POST') => new Request('http://localhost/api/uploads', { method, headers });
    const cookie = { cookie: `archon_session=${token}` };

    const anonymous = [
      await messageOf(authorizeRequest(rt, request({}), 'write')),
      await messageOf(callerFor(null, { transport: 'http' }).projects.create({ title: 'x' })),
    ];
    expect(anonymous[0]).toBe(anonymous[1]);
    expect(anonymous[0]).toMatch(/^Sign in, or send an API key/);

    const viewer = [
      await messageOf(authorizeRequest(rt, request(cookie), 'write')),
      await messageOf(callerFor(viewerSession, { transport: 'http' }).projects.create({ title: 'x' })),
    ];
    expect(viewer[0]).toBe(viewer[1]);
    expect(viewer[0]).toBe('This needs write access, which the viewer role does not have');

    const readKey = { authorization: `Bearer ${keys['owner-read']!.key}` };
    const key = [
      await messageOf(authorizeRequest(rt, request(readKey), 'write')),
      await messageOf(callerFor(keys['owner-read']!.principal, { transport: 'http' }).projects.create({ title: 'x' })),
    ];
    expect(key[0]).toBe(key[1]);
    expect(key[0]).toBe('This needs write access, which this API key does not have');

    const { token: memberToken } = await createSession(rt.database.db, people.member.id);
    const memberSession = (await resolveSession(rt.database.db, memberToken))!;
    const csrf = [
      await messageOf(authorizeRequest(rt, request({ cookie: `archon_session=${memberToken}` }), 'write')),
      await messageOf(callerFor(memberSession, { transport: 'http' }).projects.create({ title: 'x' })),
    ];
    expect(csrf[0]).toBe(csrf[1]);
    expect(csrf[0]).toBe('Missing or wrong x-csrf-token header');
    // With the token, or for a read, the route handler gets the actor.
    const actor = await authorizeRequest(
      rt,
      request({ cookie: `archon_session=${memberToken}`, 'x-csrf-token': memberSession.csrfToken!, 'x-request-id': 'req-42' }),
      'write',
    );
    expect(actor).toMatchObject({ principal: { userId: people.member.id }, requestId: 'req-42' });
    await expect(authorizeRequest(rt, request({ cookie: `archon_session=${memberToken}` }, 'GET'), 'read')).resolves.toMatchObject({
      principal: { kind: 'session' },
    });
  });

  it("records the actor's address in the audit log", async () => {
    const admin = callerFor(people.admin.session, { ip: '10.1.2.3' });
    await admin.users.invite({ email: 'audited@example.com', role: 'viewer' });
    const [entry] = (await admin.users.audit({ action: 'user.invited' })).items.filter((e) => e.target === 'audited@example.com');
    expect(entry).toMatchObject({ actorUserId: people.admin.id, ip: '10.1.2.3' });
  });
});

describe('roles', () => {
  it("cannot make anyone owner or change the owner's role, and role changes are audited", async () => {
    const admin = callerFor(people.admin.session);
    await expect(admin.users.setRole({ id: people.owner.id, role: 'viewer' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(admin.users.setRole({ id: people.viewer.id, role: 'owner' as never })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await admin.users.setRole({ id: people.viewer.id, role: 'member' });
    const session = (await resolveSession(rt.database.db, (await createSession(rt.database.db, people.viewer.id)).token))!;
    expect(session.capabilities).toEqual(['read', 'write']);
    await admin.users.setRole({ id: people.viewer.id, role: 'viewer' });
    const audit = await admin.users.audit({ action: 'user.role_changed' });
    expect(audit.items.map((a) => a.details)).toEqual(
      expect.arrayContaining([
        { from: 'viewer', to: 'member' },
        { from: 'member', to: 'viewer' },
      ]),
    );
  });
});

describe('invitations', () => {
  it('are listed without their tokens while open, and a revoked one cannot be accepted', async () => {
    const admin = callerFor(people.admin.session);
    const { token, invitation } = await admin.users.invite({ email: 'wrong.address@example.com', role: 'member' });
    const open = await admin.users.invitations.list();
    expect(open.map((i) => i.email)).toContain('wrong.address@example.com');
    expect(JSON.stringify(open)).not.toContain(token);

    await admin.users.invitations.revoke({ id: invitation.id });
    expect((await admin.users.invitations.list()).map((i) => i.email)).not.toContain('wrong.address@example.com');
    await expect(acceptInvitation(rt.database.db, { token, password: PASSWORD })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await admin.users.audit({ action: 'user.invitation_revoked' })).items.map((e) => e.target)).toContain('wrong.address@example.com');
  });

  it('cannot revoke one already accepted (that is an account now) or one that does not exist', async () => {
    const admin = callerFor(people.admin.session);
    const { token, invitation } = await admin.users.invite({ email: 'joined@example.com', role: 'viewer' });
    await acceptInvitation(rt.database.db, { token, password: PASSWORD });
    await expect(admin.users.invitations.revoke({ id: invitation.id })).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(admin.users.invitations.revoke({ id: '00000000-0000-4000-8000-000000000000' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
