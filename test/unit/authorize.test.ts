import { describe, expect, it } from 'vitest';
import { API_KEY_SCOPES, type ApiKeyScope, USER_ROLES, type UserRole } from '../../db/schema/accounts';
import { isAppError } from '../../server/errors';
import { requestIdOf } from '../../server/services/auth/actor';
import { type Access, authorize, type CallFacts, checkCsrf, mutates, refusal } from '../../server/services/auth/authorize';
import { type Capability, capabilitiesOf, type Principal, SYSTEM_PRINCIPAL } from '../../server/services/auth/principal';

/** The decision, written out independently of the code: levels, where a key is capped by its user's role. */
const LEVEL: Record<Capability, number> = { read: 1, write: 2, admin: 3 };
const ROLE_LEVEL: Record<UserRole, number> = { owner: 3, admin: 3, member: 2, viewer: 1 };

const session = (role: UserRole): Principal => ({
  kind: 'session',
  userId: `u-${role}`,
  email: `${role}@x.test`,
  role,
  capabilities: capabilitiesOf(role),
  sessionId: 's',
  csrfToken: 'the-token',
});
const key = (role: UserRole, scope: ApiKeyScope): Principal => ({
  kind: 'api-key',
  userId: `u-${role}`,
  email: `${role}@x.test`,
  role,
  capabilities: capabilitiesOf(role, [scope]),
  keyId: 'k',
});

const read: CallFacts = { transport: 'http', mutation: false };
const outcome = (principal: Principal | null, access: Access, facts: CallFacts = read) => {
  try {
    authorize(principal, access, facts);
    return 'ok';
  } catch (err) {
    expect(isAppError(err)).toBe(true);
    return `${(err as { code: string }).code}: ${(err as Error).message}`;
  }
};

describe('authorize', () => {
  it('lets every role and key scope do exactly what its level allows, naming who lacks a capability', () => {
    expect(USER_ROLES.length).toBe(4);
    for (const role of USER_ROLES) {
      for (const capability of API_KEY_SCOPES) {
        const allowed = ROLE_LEVEL[role] >= LEVEL[capability];
        expect(outcome(session(role), capability), `${role} session, ${capability}`).toBe(
          allowed ? 'ok' : `FORBIDDEN: This needs ${capability} access, which the ${role} role does not have`,
        );
        for (const scope of API_KEY_SCOPES) {
          const keyAllowed = Math.min(ROLE_LEVEL[role], LEVEL[scope]) >= LEVEL[capability];
          expect(outcome(key(role, scope), capability), `${role} key with ${scope} scope, ${capability}`).toBe(
            keyAllowed ? 'ok' : `FORBIDDEN: This needs ${capability} access, which this API key does not have`,
          );
        }
      }
    }
  });

  it('refuses anonymous callers with one message, whatever they ask for', () => {
    for (const access of [...API_KEY_SCOPES, 'signed-in', 'own-keys'] as const) {
      expect(outcome(null, access)).toBe('UNAUTHORIZED: Sign in, or send an API key (Authorization: Bearer ak_…)');
    }
  });

  it('lets any signed-in caller ask who it is, and any person manage their own keys, but a key only with its admin scope', () => {
    for (const role of USER_ROLES) {
      expect(outcome(session(role), 'signed-in')).toBe('ok');
      expect(outcome(session(role), 'own-keys')).toBe('ok');
      for (const scope of API_KEY_SCOPES) {
        expect(outcome(key(role, scope), 'signed-in')).toBe('ok');
        // A viewer's admin-scope key only reads: it cannot mint keys either.
        const mayManage = Math.min(ROLE_LEVEL[role], LEVEL[scope]) === 3;
        expect(outcome(key(role, scope), 'own-keys'), `${role} key with ${scope} scope`).toBe(
          mayManage ? 'ok' : 'FORBIDDEN: Managing keys with an API key needs its admin scope; sign in instead',
        );
      }
    }
  });

  it('returns the principal it checked, and lets the system do anything', () => {
    const owner = session('owner');
    expect(authorize(owner, 'admin', read)).toBe(owner);
    for (const access of [...API_KEY_SCOPES, 'signed-in', 'own-keys'] as const) {
      expect(outcome(SYSTEM_PRINCIPAL, access, { transport: 'internal', mutation: true })).toBe('ok');
    }
  });
});

describe('CSRF', () => {
  const csrf = 'FORBIDDEN: Missing or wrong x-csrf-token header';
  const withToken = (token: string) => new Headers({ 'x-csrf-token': token });

  it('asks cookie-authenticated changes over HTTP for the session token', () => {
    const member = session('member');
    expect(outcome(member, 'write', { transport: 'http', mutation: true })).toBe(csrf);
    expect(outcome(member, 'write', { transport: 'http', mutation: true, headers: withToken('wrong') })).toBe(csrf);
    expect(outcome(member, 'write', { transport: 'http', mutation: true, headers: withToken('') })).toBe(csrf);
    expect(outcome(member, 'write', { transport: 'http', mutation: true, headers: withToken('the-token') })).toBe('ok');
    // Whatever the procedure needs, even just a signed-in caller.
    expect(outcome(member, 'own-keys', { transport: 'http', mutation: true })).toBe(csrf);
    expect(outcome(member, 'signed-in', { transport: 'http', mutation: true })).toBe(csrf);
    // A session without a token (none is ever issued so) cannot pass with an empty header either.
    expect(outcome({ ...member, csrfToken: undefined }, 'write', { transport: 'http', mutation: true, headers: withToken('') })).toBe(csrf);
  });

  it('asks nothing of reads, of API keys, of WebSocket calls or of in-process calls', () => {
    const member = session('member');
    expect(outcome(member, 'read', { transport: 'http', mutation: false })).toBe('ok');
    expect(outcome(key('member', 'write'), 'write', { transport: 'http', mutation: true })).toBe('ok');
    expect(outcome(member, 'write', { transport: 'ws', mutation: true })).toBe('ok');
    expect(outcome(member, 'write', { transport: 'internal', mutation: true })).toBe('ok');
  });

  it('reports a missing capability before a missing token', () => {
    // A viewer without the token is told what it lacks, not about the token.
    expect(outcome(session('viewer'), 'write', { transport: 'http', mutation: true })).toMatch(/which the viewer role does not have/);
  });

  it('is available on its own, and HTTP methods other than GET, HEAD and OPTIONS count as changes', () => {
    expect(() => checkCsrf(session('member'), { transport: 'http', mutation: true })).toThrow(/x-csrf-token/);
    expect(() => checkCsrf(session('member'), { transport: 'http', mutation: true, headers: withToken('the-token') })).not.toThrow();
    expect(() => checkCsrf(null, { transport: 'http', mutation: true })).not.toThrow();
    expect(['GET', 'head', 'OPTIONS'].map(mutates)).toEqual([false, false, false]);
    expect(['POST', 'PUT', 'PATCH', 'DELETE'].map(mutates)).toEqual([true, true, true, true]);
    expect(refusal(session('member'), 'write', { transport: 'http', mutation: true })?.code).toBe('FORBIDDEN');
  });
});

describe('request ids', () => {
  it('honours a plain one the client sent and makes one up otherwise', () => {
    expect(requestIdOf('abc-123_x.y')).toBe('abc-123_x.y');
    expect(requestIdOf(' padded ')).toBe('padded');
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    for (const bad of [null, undefined, '', 'has space', 'x'.repeat(129), 'new\nline', 'quote"', 'ünïcode', '<script>']) {
      expect(requestIdOf(bad), String(bad)).toMatch(uuid);
    }
    expect(requestIdOf('x'.repeat(128))).toBe('x'.repeat(128));
    expect(requestIdOf(null)).not.toBe(requestIdOf(null));
  });
});
