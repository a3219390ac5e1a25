import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptInvitation, inviteUser, setupOwner } from '../../server/services/auth/accounts';
import { findOpenInvitation } from '../../server/services/auth/invitation-lookup';
import { withProviderSettings } from '../../server/services/providers/provider-config';
import { getProviderSettings, resolveProviderSecrets } from '../../server/services/providers/provider-settings';
import { resolveTestTarget } from '../../server/services/providers/test-provider';
import { recordAudit } from '../../server/services/security/audit-log';
import { type FakeOpenAI, startFakeOpenAI } from '../fixtures/fake-openai';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';

/** What the settings, users and accept-invite pages need from the server, through the routers and services they call. */

const KEY = 'sk-saved-0123456789abcdef';
let rt: TestRuntime;
let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI({ dimensions: 8 });
  rt = await createTestRuntime({ env: { EMBEDDING_DIMENSIONS: '8', CHAT_MODEL: 'env-chat', CHAT_BASE_URL: 'http://chat.env.example/v1' } });
});
afterAll(async () => {
  await rt?.close();
  await fake?.close();
});

describe('settings.testProvider and settings.effective', () => {
  it('tests the saved provider with its saved key, and reports a refused key without echoing it', async () => {
    await rt.caller.settings.updateProviders({ embedding: { baseUrl: fake.url, model: 'fake-embed', dimensions: 8, apiKey: KEY } });
    const ok = await rt.caller.settings.testProvider({ kind: 'embedding' });
    expect(ok).toMatchObject({ ok: true, target: { baseUrl: fake.url, model: 'fake-embed', dimensions: 8, keySent: true } });
    expect(fake.requests.at(-1)!.headers.authorization).toBe(`Bearer ${KEY}`);

    fake.script([{ type: 'error', status: 401, message: `bad key ${KEY}` }]);
    const refused = await rt.caller.settings.testProvider({ kind: 'embedding' });
    expect(refused).toMatchObject({ ok: false, code: 'unauthorized', status: 401 });
    expect(JSON.stringify(refused)).not.toContain(KEY);

    // A wrong dimension typed into the form, before saving it.
    const wrong = await rt.caller.settings.testProvider({ kind: 'embedding', dimensions: 12 });
    expect(wrong).toMatchObject({ ok: false, code: 'wrong_dimensions' });
    expect(wrong.message).toContain('returns 8-dimensional vectors, but the dimension is set to 12');
  });

  it('resolves the target exactly as the runtime merges saved settings over the environment', async () => {
    const view = await getProviderSettings(rt.database.db, rt.secretBox);
    const secrets = await resolveProviderSecrets(rt.database.db, rt.secretBox);
    const merged = await withProviderSettings(rt.database.db, rt.secretBox, rt.baseConfig);
    for (const kind of ['embedding', 'chat'] as const) {
      const target = resolveTestTarget(rt.baseConfig, { view, secrets }, { kind });
      const prefix = kind === 'embedding' ? 'EMBEDDING' : 'CHAT';
      expect(target.baseUrl, kind).toBe(merged[`${prefix}_BASE_URL`]);
      expect(target.model, kind).toBe(merged[`${prefix}_MODEL`]);
      expect(target.apiKey, kind).toBe(merged[`${prefix}_API_KEY`]);
    }
  });

  it('shows where each effective value comes from, and never a key', async () => {
    const effective = await rt.caller.settings.effective();
    expect(effective.embedding).toMatchObject({
      offline: false,
      baseUrl: fake.url,
      model: 'fake-embed',
      dimensions: 8,
      sources: { baseUrl: 'saved', model: 'saved', dimensions: 'saved', apiKey: 'saved' },
    });
    expect(effective.chat).toMatchObject({
      configured: true,
      model: 'env-chat',
      sources: { baseUrl: 'environment', model: 'environment', apiKey: 'none' },
    });
    expect(effective.crawl).toMatchObject({ allowPrivateNetwork: false, defaults: { maxDepth: 2, maxPages: 1000 } });
    expect(effective.search).toMatchObject({ rerank: null, perMinute: 600 });
    expect(JSON.stringify(effective)).not.toContain(KEY);
  });
});

describe('invitations and the audit log', () => {
  it('finds an open invitation by its token, and nothing once it is used', async () => {
    const owner = await setupOwner(rt.database.db, { email: 'owner@example.com', password: 'a long enough password 1' });
    const { token } = await inviteUser(rt.database.db, { email: 'Bob@Example.com', role: 'viewer' }, owner.id);
    expect(await findOpenInvitation(rt.database.db, token)).toMatchObject({ email: 'bob@example.com', role: 'viewer', expiresAt: expect.any(Date) });
    expect(await findOpenInvitation(rt.database.db, `${token}x`)).toBeNull();
    expect(await findOpenInvitation(rt.database.db, 'short')).toBeNull();
    await acceptInvitation(rt.database.db, { token, password: 'another long password 2' });
    expect(await findOpenInvitation(rt.database.db, token)).toBeNull();
  });

  it('filters the audit log by a date range', async () => {
    await recordAudit(rt.database.db, { action: 'settings.changed', details: { setting: 'one' } });
    const all = await rt.caller.users.audit({ action: 'settings.changed' });
    const newest = all.items[0]!.createdAt;
    const since = await rt.caller.users.audit({ action: 'settings.changed', after: newest });
    expect(since.items.map((e) => e.details.setting)).toEqual(['one']);
    const until = await rt.caller.users.audit({ action: 'settings.changed', before: newest, after: new Date(0) });
    expect(until.total).toBe(all.total - 1);
    expect((await rt.caller.users.audit({ after: new Date(Date.now() + 60_000) })).total).toBe(0);
  });
});
