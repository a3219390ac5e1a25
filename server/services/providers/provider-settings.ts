import { and, asc, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import { settings } from '../../../db/schema';
import type { Database } from '../../../db/types';
import { badRequest } from '../../errors';
import {
  PROVIDER_KINDS,
  type ProviderKind,
  type StoredProviderValue,
  storedProviderValueSchema,
  type UpdateProviderSettingsInput,
  updateProviderSettingsSchema,
} from '../../schemas/provider-settings';
import { type SecretBox, SecretBoxError } from '../security/secret-box';

/**
 * Provider configuration lives in `settings`, one row per provider. Every
 * `settings.secret` is sealed with the row's key as context (see resealAll).
 */
export const PROVIDER_SETTING_KEYS = { embedding: 'provider.embedding', chat: 'provider.chat' } as const;

export type MaskedApiKey = {
  set: boolean;
  /** e.g. `sk-…AbCd`; never more than 7 characters of the key. */
  masked: string | null;
  /** False when a key is stored but the configured secrets cannot decrypt it (re-enter it). */
  readable: boolean;
};
export type ChatProviderView = { baseUrl: string | null; model: string | null; apiKey: MaskedApiKey };
export type EmbeddingProviderView = ChatProviderView & { dimensions: number | null };
export type ProviderSettingsView = { embedding: EmbeddingProviderView; chat: ChatProviderView };

type Row = { key: string; value: unknown; secret: string | null };

/** First 3 and last 4 characters for keys long enough that this leaves most of them hidden. */
export function maskApiKey(key: string): string {
  return key.length >= 12 ? `${key.slice(0, 3)}…${key.slice(-4)}` : '••••';
}

// "PRVS": the advisory lock that serialises saves of the provider settings.
const PROVIDER_SETTINGS_LOCK = 0x50525653;

async function readRows(db: Database): Promise<Map<ProviderKind, Row>> {
  const rows = await db
    .select({ key: settings.key, value: settings.value, secret: settings.secret })
    .from(settings)
    .where(inArray(settings.key, Object.values(PROVIDER_SETTING_KEYS)));
  const out = new Map<ProviderKind, Row>();
  for (const kind of PROVIDER_KINDS) {
    const row = rows.find((r) => r.key === PROVIDER_SETTING_KEYS[kind]);
    if (row) out.set(kind, row);
  }
  return out;
}

const storedValue = (row: Row | undefined): StoredProviderValue => storedProviderValueSchema.parse(row?.value ?? {});

function maskedKey(box: SecretBox, row: Row | undefined): MaskedApiKey {
  if (!row?.secret) return { set: false, masked: null, readable: true };
  try {
    return { set: true, masked: maskApiKey(box.open(row.secret, row.key)), readable: true };
  } catch (err) {
    // The settings page must still load so an admin can replace the key.
    if (err instanceof SecretBoxError) return { set: true, masked: null, readable: false };
    throw err;
  }
}

function toView(box: SecretBox, rows: Map<ProviderKind, Row>): ProviderSettingsView {
  const embedding = storedValue(rows.get('embedding'));
  const chat = storedValue(rows.get('chat'));
  return {
    embedding: {
      baseUrl: embedding.baseUrl,
      model: embedding.model,
      dimensions: embedding.dimensions,
      apiKey: maskedKey(box, rows.get('embedding')),
    },
    chat: { baseUrl: chat.baseUrl, model: chat.model, apiKey: maskedKey(box, rows.get('chat')) },
  };
}

/** The provider settings as the UI may see them: API keys only as `{ set, masked }`. */
export async function getProviderSettings(db: Database, box: SecretBox): Promise<ProviderSettingsView> {
  return toView(box, await readRows(db));
}

const pick = <T>(next: T | null | undefined, prev: T | null): T | null => (next === undefined ? prev : next);

function describeIssues(issues: { path: PropertyKey[]; message: string }[]): string {
  return issues
    .slice(0, 3)
    .map((i) => (i.path.length ? `${i.path.map(String).join('.')}: ${i.message}` : i.message))
    .join('; ');
}

/**
 * Applies a partial update (value sets, null clears, undefined keeps). `changed.embeddingModel`
 * tells the caller that stored vectors no longer match the configured model and need re-embedding.
 */
export async function updateProviderSettings(
  db: Database,
  box: SecretBox,
  input: UpdateProviderSettingsInput,
  userId: string | null,
): Promise<ProviderSettingsView & { changed: { embeddingModel: boolean } }> {
  const parsed = updateProviderSettingsSchema.safeParse(input);
  if (!parsed.success) throw badRequest(`Invalid provider settings: ${describeIssues(parsed.error.issues)}`);
  const patch = parsed.data;

  return db.transaction(async (tx) => {
    // Serialised so two concurrent saves cannot both start from the same old state (and one
    // drop the other's API key). A row lock would not do: before the first save there is no row.
    await tx.execute(sql`select pg_advisory_xact_lock(${PROVIDER_SETTINGS_LOCK})`);
    const before = await readRows(tx);
    let embeddingModel = false;

    for (const kind of PROVIDER_KINDS) {
      const change = patch[kind];
      if (!change) continue;
      const key = PROVIDER_SETTING_KEYS[kind];
      const old = storedValue(before.get(kind));
      const value: StoredProviderValue = {
        baseUrl: pick(change.baseUrl, old.baseUrl),
        model: pick(change.model, old.model),
        dimensions: kind === 'embedding' ? pick(patch.embedding?.dimensions, old.dimensions) : null,
      };
      if (kind === 'embedding') {
        embeddingModel = value.baseUrl !== old.baseUrl || value.model !== old.model || value.dimensions !== old.dimensions;
      }
      // A stored key goes only to the endpoint it was entered for: pointing the provider
      // elsewhere without a new key drops it, or an admin could have it sent to any server.
      const movedAway = value.baseUrl !== old.baseUrl;
      const oldSecret = movedAway ? null : (before.get(kind)?.secret ?? null);
      const secret = change.apiKey === undefined ? oldSecret : change.apiKey === null ? null : box.seal(change.apiKey, key);
      const stored = kind === 'chat' ? { baseUrl: value.baseUrl, model: value.model } : value;
      await tx
        .insert(settings)
        .values({ key, value: stored, secret, updatedBy: userId })
        .onConflictDoUpdate({
          target: settings.key,
          set: { value: stored, secret, updatedBy: userId, updatedAt: new Date() },
        });
    }
    return { ...toView(box, await readRows(tx)), changed: { embeddingModel } };
  });
}

export type ProviderSecrets = { embedding: string | null; chat: string | null };

/**
 * The plaintext API keys, for building provider clients on the server.
 * SERVER-SIDE ONLY: the result must never be returned by an API, logged, put
 * in an error message or job payload, or sent to the browser.
 */
export async function resolveProviderSecrets(db: Database, box: SecretBox): Promise<ProviderSecrets> {
  const rows = await readRows(db);
  const open = (kind: ProviderKind) => {
    const row = rows.get(kind);
    return row?.secret ? box.open(row.secret, row.key) : null;
  };
  return { embedding: open('embedding'), chat: open('chat') };
}

/**
 * Re-encrypts every stored secret under the current ARCHON_SECRET (the rotation
 * step between adding ARCHON_SECRET_PREVIOUS and removing it). Returns how many
 * values were re-sealed; throws, changing nothing, if any value cannot be opened.
 */
export async function resealAll(db: Database, box: SecretBox): Promise<number> {
  return db.transaction(async (tx) => {
    const rows = await tx
      .select({ key: settings.key, secret: settings.secret })
      .from(settings)
      .where(isNotNull(settings.secret))
      .orderBy(asc(settings.key))
      .for('update');
    let count = 0;
    for (const row of rows) {
      if (!row.secret || !box.needsReseal(row.secret)) continue;
      let plaintext: string;
      try {
        plaintext = box.open(row.secret, row.key);
      } catch (err) {
        if (err instanceof SecretBoxError) throw new SecretBoxError(err.reason, `setting '${row.key}': ${err.message}`);
        throw err;
      }
      const resealed = box.seal(plaintext, row.key);
      await tx
        .update(settings)
        .set({ secret: resealed })
        .where(and(eq(settings.key, row.key), eq(settings.secret, row.secret)));
      count++;
    }
    return count;
  });
}
