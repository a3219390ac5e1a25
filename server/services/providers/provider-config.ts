import type { Database } from '../../../db/types';
import type { Logger } from '../../logger';
import type { SecretBox } from '../security/secret-box';
import { getProviderSettings, resolveProviderSecrets } from './provider-settings';

/**
 * The configuration with the provider settings saved in the dashboard laid
 * over the environment's: a stored value wins, an empty one falls back to the
 * EMBEDDING_* / CHAT_* variables. The environment's API key is used only with
 * the environment's endpoint: a base URL saved in the dashboard gets the key
 * saved with it, or none. A stored key that cannot be decrypted (the
 * secret changed without ARCHON_SECRET_PREVIOUS) is skipped with a warning, so
 * Archon still starts and the key can be entered again.
 */
const sameEndpoint = (saved: string | null, fromEnv: string | undefined) => saved === null || saved === fromEnv;

/** The configuration's provider variables, which the saved settings replace. */
export type ProviderVariables = {
  EMBEDDING_BASE_URL?: string;
  EMBEDDING_MODEL?: string;
  EMBEDDING_DIMENSIONS: number;
  EMBEDDING_API_KEY?: string;
  CHAT_BASE_URL?: string;
  CHAT_MODEL?: string;
  CHAT_API_KEY?: string;
};

export async function withProviderSettings<C extends ProviderVariables>(db: Database, box: SecretBox, base: C, logger?: Logger): Promise<C> {
  const view = await getProviderSettings(db, box);
  let secrets: { embedding: string | null; chat: string | null } = { embedding: null, chat: null };
  try {
    secrets = await resolveProviderSecrets(db, box);
  } catch (err) {
    logger?.warn('a stored provider key cannot be decrypted; using the environment instead', { error: (err as Error).message });
  }
  return {
    ...base,
    EMBEDDING_BASE_URL: view.embedding.baseUrl ?? base.EMBEDDING_BASE_URL,
    EMBEDDING_MODEL: view.embedding.model ?? base.EMBEDDING_MODEL,
    EMBEDDING_DIMENSIONS: view.embedding.dimensions ?? base.EMBEDDING_DIMENSIONS,
    EMBEDDING_API_KEY: secrets.embedding ?? (sameEndpoint(view.embedding.baseUrl, base.EMBEDDING_BASE_URL) ? base.EMBEDDING_API_KEY : undefined),
    CHAT_BASE_URL: view.chat.baseUrl ?? base.CHAT_BASE_URL,
    CHAT_MODEL: view.chat.model ?? base.CHAT_MODEL,
    CHAT_API_KEY: secrets.chat ?? (sameEndpoint(view.chat.baseUrl, base.CHAT_BASE_URL) ? base.CHAT_API_KEY : undefined),
  };
}
