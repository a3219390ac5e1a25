import type { Config } from '../config';
import type { Logger } from '../logger';
import { createSecretBox, type SecretBox } from '../services/security/secret-box';
import { loadOrCreateSecret } from '../services/security/secret-file';

/** ARCHON_SECRET when set; otherwise a secret generated once into the data directory (mode 0600). */
export function createRuntimeSecretBox(config: Config, logger: Logger): SecretBox {
  let current = config.ARCHON_SECRET;
  if (!current) {
    const loaded = loadOrCreateSecret(config.ARCHON_DATA_DIR);
    if (loaded.warning) logger.warn(loaded.warning);
    if (loaded.created && config.DATABASE_URL) {
      logger.warn('ARCHON_SECRET is not set: generated one in the data directory; every Archon process on this database needs the same secret');
    }
    current = loaded.secret;
  }
  const previous = (config.ARCHON_SECRET_PREVIOUS ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
  return createSecretBox({ current, previous });
}
