import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { settings } from '../../db/schema';
import type { DatabaseHandle } from '../../db/types';
import { loadConfig } from '../../server/config';
import { isAppError } from '../../server/errors';
import { createLogger } from '../../server/logger';
import { createIngestDeps } from '../../server/runtime/providers';
import { withProviderSettings } from '../../server/services/providers/provider-config';
import {
  getProviderSettings,
  PROVIDER_SETTING_KEYS,
  resealAll,
  resolveProviderSecrets,
  updateProviderSettings,
} from '../../server/services/providers/provider-settings';
import { createSecretBox } from '../../server/services/security/secret-box';
import { startFakeOpenAI } from '../fixtures/fake-openai';
import { createTestDatabase } from '../helpers/db';

const SECRET = `test-secret-${randomBytes(24).toString('hex')}`;
const NEW_SECRET = `rotated-secret-${randomBytes(24).toString('hex')}`;
const CANARY = `sk-canary-${randomBytes(12).toString('hex')}`;
const USER = '00000000-0000-4000-8000-000000000001';

let database: DatabaseHandle;
const box = createSecretBox({ current: SECRET });
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.close();
});
beforeEach(async () => {
  await database.db.delete(settings).where(eq(settings.key, PROVIDER_SETTING_KEYS.embedding));
  await database.db.delete(settings).where(eq(settings.key, PROVIDER_SETTING_KEYS.chat));
});

const storedRows = async () => {
  const rows = await database.db.select().from(settings);
  return Object.fromEntries(rows.map((r) => [r.key, r]));
};
const expectNoCanary = (value: unknown) => expect(JSON.stringify(value)).not.toContain(CANARY);

describe('provider settings', () => {
  it('starts empty', async () => {
    expect(await getProviderSettings(database.db, box)).toEqual({
      embedding: { baseUrl: null, model: null, dimensions: null, apiKey: { set: false, masked: null, readable: true } },
      chat: { baseUrl: null, model: null, apiKey: { set: false, masked: null, readable: true } },
    });
    expect(await resolveProviderSecrets(database.db, box)).toEqual({ embedding: null, chat: null });
  });

  it('stores keys only as ciphertext, different per row, and never shows them', async () => {
    const result = await updateProviderSettings(
      database.db,
      box,
      {
        embedding: { baseUrl: 'https://api.example.com/v1', model: 'text-embedding-3-small', dimensions: 1536, apiKey: CANARY },
        chat: { model: 'gpt-4o-mini', apiKey: CANARY },
      },
      USER,
    );
    expectNoCanary(result);
    const masked = `${CANARY.slice(0, 3)}…${CANARY.slice(-4)}`;
    expect(masked).toMatch(/^sk-…[0-9a-f]{4}$/);
    expect(result.embedding).toEqual({
      baseUrl: 'https://api.example.com/v1',
      model: 'text-embedding-3-small',
      dimensions: 1536,
      apiKey: { set: true, masked, readable: true },
    });
    expect(result.chat).toEqual({ baseUrl: null, model: 'gpt-4o-mini', apiKey: { set: true, masked, readable: true } });
    expect(result.changed).toEqual({ embeddingModel: true });

    const rows = await storedRows();
    const e = rows[PROVIDER_SETTING_KEYS.embedding]!;
    const c = rows[PROVIDER_SETTING_KEYS.chat]!;
    // The whole row, not only `secret`: the key must not leak into `value` either.
    expectNoCanary(e);
    expectNoCanary(c);
    expect(JSON.stringify(rows)).not.toContain(CANARY.slice(10));
    expect(e.secret).toMatch(/^v1\.[0-9a-f]{8}\./);
    expect(c.secret).toMatch(/^v1\.[0-9a-f]{8}\./);
    expect(e.secret).not.toBe(c.secret);
    expect(e.updatedBy).toBe(USER);
    expect(e.value).toEqual({ baseUrl: 'https://api.example.com/v1', model: 'text-embedding-3-small', dimensions: 1536 });

    expectNoCanary(await getProviderSettings(database.db, box));
    expect(await resolveProviderSecrets(database.db, box)).toEqual({ embedding: CANARY, chat: CANARY });
  });

  it('binds each ciphertext to its row, so a copied ciphertext does not open', async () => {
    await updateProviderSettings(database.db, box, { embedding: { apiKey: CANARY }, chat: { apiKey: 'sk-other-key-123456' } }, USER);
    const rows = await storedRows();
    await database.db
      .update(settings)
      .set({ secret: rows[PROVIDER_SETTING_KEYS.embedding]!.secret })
      .where(eq(settings.key, PROVIDER_SETTING_KEYS.chat));
    await expect(resolveProviderSecrets(database.db, box)).rejects.toThrow(/different setting/);
    const view = await getProviderSettings(database.db, box);
    expect(view.chat.apiKey).toEqual({ set: true, masked: null, readable: false });
    expect(view.embedding.apiKey.readable).toBe(true);
  });

  it('keeps a key when apiKey is left out, clears it with null', async () => {
    await updateProviderSettings(database.db, box, { chat: { apiKey: CANARY, model: 'm1' } }, USER);
    const kept = await updateProviderSettings(database.db, box, { chat: { model: 'm2' } }, USER);
    expect(kept.chat.model).toBe('m2');
    expect(kept.chat.apiKey.set).toBe(true);
    expect((await resolveProviderSecrets(database.db, box)).chat).toBe(CANARY);

    const cleared = await updateProviderSettings(database.db, box, { chat: { apiKey: null } }, USER);
    expect(cleared.chat).toEqual({ baseUrl: null, model: 'm2', apiKey: { set: false, masked: null, readable: true } });
    expect((await storedRows())[PROVIDER_SETTING_KEYS.chat]!.secret).toBeNull();
    expect((await resolveProviderSecrets(database.db, box)).chat).toBeNull();
  });

  it('masks short keys completely', async () => {
    const view = await updateProviderSettings(database.db, box, { embedding: { apiKey: 'sk-short123' } }, USER);
    expect(view.embedding.apiKey).toEqual({ set: true, masked: '••••', readable: true });
    expectNoCanary(view);
    expect(JSON.stringify(view)).not.toContain('short123');
  });

  it('flags an embedding change only when base URL, model or dimensions change', async () => {
    const set = (embedding: object, chat?: object) => updateProviderSettings(database.db, box, { embedding, ...(chat ? { chat } : {}) }, USER);
    expect((await set({ model: 'a', dimensions: 8 })).changed.embeddingModel).toBe(true);
    expect((await set({ model: 'a', dimensions: 8 })).changed.embeddingModel).toBe(false);
    expect((await set({ apiKey: CANARY })).changed.embeddingModel).toBe(false);
    expect((await set({}, { model: 'chat-model' })).changed.embeddingModel).toBe(false);
    expect((await set({ dimensions: 16 })).changed.embeddingModel).toBe(true);
    expect((await set({ baseUrl: 'http://localhost:11434/v1' })).changed.embeddingModel).toBe(true);
    expect((await set({ model: 'b' })).changed.embeddingModel).toBe(true);
    expect((await set({ baseUrl: null })).changed.embeddingModel).toBe(true);
    const view = await getProviderSettings(database.db, box);
    expect(view.embedding).toMatchObject({ baseUrl: null, model: 'b', dimensions: 16 });
    expect((await updateProviderSettings(database.db, box, { chat: { model: 'other' } }, USER)).changed.embeddingModel).toBe(false);
  });

  it('re-seals every secret under a new ARCHON_SECRET, after which the old one can go', async () => {
    await updateProviderSettings(database.db, box, { embedding: { apiKey: CANARY }, chat: { apiKey: `${CANARY}-chat` } }, USER);
    // A secret owned by some other feature, sealed by the same convention (context = settings key).
    await database.db.insert(settings).values({ key: 'test.other', value: null, secret: box.seal('other-value', 'test.other') });
    const before = await storedRows();

    const rotating = createSecretBox({ current: NEW_SECRET, previous: [SECRET] });
    expect(await resealAll(database.db, rotating)).toBe(3);
    expect(await resealAll(database.db, rotating)).toBe(0);
    const after = await storedRows();
    for (const key of [PROVIDER_SETTING_KEYS.embedding, PROVIDER_SETTING_KEYS.chat, 'test.other']) {
      expect(after[key]!.secret).not.toBe(before[key]!.secret);
      expect(after[key]!.secret!.split('.')[1]).toBe(rotating.keyId);
      expectNoCanary(after[key]);
    }

    const newOnly = createSecretBox({ current: NEW_SECRET });
    expect(await resolveProviderSecrets(database.db, newOnly)).toEqual({ embedding: CANARY, chat: `${CANARY}-chat` });
    expect(newOnly.open(after['test.other']!.secret!, 'test.other')).toBe('other-value');
    await expect(resolveProviderSecrets(database.db, box)).rejects.toThrow(/not configured \(ARCHON_SECRET/);
    await database.db.delete(settings).where(eq(settings.key, 'test.other'));
  });

  it('changes nothing when a secret cannot be opened during re-sealing', async () => {
    await updateProviderSettings(database.db, box, { embedding: { apiKey: CANARY } }, USER);
    // Sorts after the provider rows, so the embedding key is already re-sealed when this one fails.
    const key = 'zzz.unopenable';
    const stranger = createSecretBox({ current: `unrelated-${randomBytes(24).toString('hex')}` });
    await database.db.insert(settings).values({ key, secret: stranger.seal('x', key) });
    const before = await storedRows();
    const rotating = createSecretBox({ current: NEW_SECRET, previous: [SECRET] });
    await expect(resealAll(database.db, rotating)).rejects.toThrow(/setting 'zzz\.unopenable'.*not configured/);
    expect(await storedRows()).toEqual(before);
    await database.db.delete(settings).where(eq(settings.key, key));
  });

  it('rejects bad input with a message naming the field, without echoing the key', async () => {
    const cases: [unknown, RegExp][] = [
      [{ embedding: { baseUrl: 'ftp://example.com' } }, /embedding\.baseUrl: must be an http/],
      [{ embedding: { baseUrl: 'not a url' } }, /embedding\.baseUrl: must be an http/],
      [{ chat: { baseUrl: 'javascript:alert(1)' } }, /chat\.baseUrl: must be an http/],
      [{ embedding: { baseUrl: 'http://example.com/v1 trailing' } }, /embedding\.baseUrl: must not contain spaces/],
      [{ chat: { baseUrl: `https://user:${CANARY}@example.com` } }, /chat\.baseUrl: must not contain a user name or password/],
      [{ embedding: { model: '' } }, /embedding\.model: must not be empty/],
      [{ embedding: { model: '   ' } }, /embedding\.model: must not be empty/],
      [{ embedding: { model: 'm'.repeat(201) } }, /embedding\.model: must be at most 200/],
      [{ embedding: { model: 'a\nb' } }, /embedding\.model: must be a single line/],
      [{ embedding: { dimensions: 0 } }, /embedding\.dimensions: must be at least 1/],
      [{ embedding: { dimensions: 4001 } }, /embedding\.dimensions: must be at most 4000/],
      [{ embedding: { dimensions: 1.5 } }, /embedding\.dimensions: must be a whole number/],
      [{ embedding: { dimensions: '1536' } }, /embedding\.dimensions: must be a number/],
      [{ chat: { dimensions: 1536 } }, /chat: .*dimensions/i],
      [{ chat: { apiKey: '' } }, /chat\.apiKey: must not be empty/],
      [{ chat: { apiKey: `${CANARY}\nsecond-line` } }, /chat\.apiKey: must not contain spaces/],
      [{ chat: { apiKey: `${CANARY}${'x'.repeat(1000)}` } }, /chat\.apiKey: must be at most 1000/],
      [{ chat: { apiKey: 12345 } }, /chat\.apiKey: must be text/],
      [{ other: {} }, /other/],
      ['embedding', /Invalid provider settings/],
    ];
    for (const [input, message] of cases) {
      const err = await updateProviderSettings(database.db, box, input as never, USER).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err, JSON.stringify(input)).not.toBeNull();
      expect(isAppError(err) && err.code, JSON.stringify(input)).toBe('BAD_REQUEST');
      expect((err as Error).message, JSON.stringify(input)).toMatch(message);
      expectNoCanary((err as Error).message);
      expectNoCanary(JSON.stringify(err));
    }
    expect(await storedRows()).toEqual({});
  });

  it('trims surrounding whitespace from pasted keys and URLs', async () => {
    await updateProviderSettings(
      database.db,
      box,
      { embedding: { apiKey: `  ${CANARY}\n`, baseUrl: ' https://api.example.com/v1 ', model: ' m ' } },
      USER,
    );
    expect((await resolveProviderSecrets(database.db, box)).embedding).toBe(CANARY);
    expect((await getProviderSettings(database.db, box)).embedding).toMatchObject({
      baseUrl: 'https://api.example.com/v1',
      model: 'm',
    });
  });
});

describe('keys and endpoints', () => {
  it('drops a stored key when the base URL changes without a new key, so it is never sent to another server', async () => {
    await updateProviderSettings(database.db, box, { embedding: { baseUrl: 'https://gateway.example/v1', apiKey: CANARY } }, USER);
    await updateProviderSettings(database.db, box, { embedding: { model: 'other-model' } }, USER);
    expect((await getProviderSettings(database.db, box)).embedding.apiKey.set).toBe(true);
    await updateProviderSettings(database.db, box, { embedding: { baseUrl: 'https://attacker.example/v1' } }, USER);
    expect((await getProviderSettings(database.db, box)).embedding.apiKey.set).toBe(false);
    await updateProviderSettings(
      database.db,
      box,
      { embedding: { baseUrl: 'https://gateway.example/v2', apiKey: 'sk-new-key-for-v2-endpoint' } },
      USER,
    );
    expect((await getProviderSettings(database.db, box)).embedding.apiKey.set).toBe(true);
  });

  it("uses the environment's key only with the environment's endpoint", async () => {
    const base = { ...loadConfig({}), EMBEDDING_BASE_URL: 'https://env.example/v1', EMBEDDING_API_KEY: 'sk-env-key' };
    expect((await withProviderSettings(database.db, box, base)).EMBEDDING_API_KEY).toBe('sk-env-key');
    await updateProviderSettings(database.db, box, { embedding: { model: 'm' } }, USER);
    expect((await withProviderSettings(database.db, box, base)).EMBEDDING_API_KEY).toBe('sk-env-key');
    await updateProviderSettings(database.db, box, { embedding: { baseUrl: 'https://elsewhere.example/v1' } }, USER);
    const config = await withProviderSettings(database.db, box, base);
    expect(config.EMBEDDING_BASE_URL).toBe('https://elsewhere.example/v1');
    expect(config.EMBEDDING_API_KEY).toBeUndefined();
  });

  it('never sends OPENAI_API_KEY to a base URL saved in the dashboard', async () => {
    const fake = await startFakeOpenAI({ dimensions: 8 });
    try {
      const base = loadConfig({ OPENAI_API_KEY: 'sk-openai-env', EMBEDDING_DIMENSIONS: '8', CHAT_MODEL: 'gpt-x' });
      await updateProviderSettings(database.db, box, { embedding: { baseUrl: fake.url, model: 'm' }, chat: { baseUrl: fake.url } }, USER);
      const config = await withProviderSettings(database.db, box, base);
      expect([config.EMBEDDING_API_KEY, config.CHAT_API_KEY]).toEqual([undefined, undefined]);
      const deps = createIngestDeps(config, database, createLogger('silent'));
      await deps.embedder.embed(['a text']);
      await deps.summarizer!.summarizeCode([{ code: 'x = 1', language: 'python', context: '' }] as never).catch(() => []);
      expect(fake.requests.length).toBeGreaterThanOrEqual(2);
      for (const request of fake.requests) expect(request.headers.authorization ?? '').not.toContain('sk-openai-env');
    } finally {
      await fake.close();
    }
  });
});

describe('concurrent saves', () => {
  it('keep both changes when two admins save at once, the first save included', async () => {
    for (let i = 0; i < 5; i++) {
      await database.db.delete(settings).where(eq(settings.key, PROVIDER_SETTING_KEYS.embedding));
      await Promise.all([
        updateProviderSettings(database.db, box, { embedding: { apiKey: 'sk-concurrent-aaaaaaaaaaaa' } }, USER),
        updateProviderSettings(database.db, box, { embedding: { model: 'nomic-embed-text' } }, USER),
      ]);
      const view = await getProviderSettings(database.db, box);
      expect(view.embedding, `round ${i}`).toMatchObject({ model: 'nomic-embed-text', apiKey: { set: true } });
    }
  });
});
