import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

/** Sealed values look like `v1.<keyId>.<iv>.<tag>.<ciphertext>`, each part base64url. */
export type SecretBox = {
  /** Encrypts `plaintext`; `context` (e.g. the settings key) must be given again to open it. */
  seal(plaintext: string, context?: string): string;
  open(sealed: string, context?: string): string;
  /** True when the value is not sealed under the current secret (rotation pending). */
  needsReseal(sealed: string): boolean;
  /** Identifies the current secret without revealing it; safe to log. */
  readonly keyId: string;
};

export type SecretBoxSecrets = { current: string; previous?: string[] };

export type SecretBoxErrorReason = 'malformed' | 'unknown-key' | 'tampered';

export class SecretBoxError extends Error {
  override name = 'SecretBoxError';
  constructor(
    readonly reason: SecretBoxErrorReason,
    message: string,
  ) {
    super(message);
  }
}

export const MIN_SECRET_LENGTH = 32;
const VERSION = 'v1';
const HKDF_SALT = 'archon-secret-box-v1';
const HKDF_INFO = 'aes-256-gcm settings secrets';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const B64URL = /^[A-Za-z0-9_-]*$/;

type Key = { id: string; key: Buffer };

function deriveKey(secret: string): Key {
  const key = Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), HKDF_SALT, HKDF_INFO, 32));
  // A hash of the derived key (not of the secret), so the id says nothing usable about either.
  return { id: createHash('sha256').update(key).digest('hex').slice(0, 8), key };
}

function checkSecret(secret: unknown, name: string): string {
  if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) {
    throw new Error(`${name} must be at least ${MIN_SECRET_LENGTH} characters long; generate one with \`openssl rand -base64 48\``);
  }
  return secret;
}

// Binding the context as associated data means a ciphertext copied into another
// settings row fails to open instead of silently becoming that row's secret.
const aad = (context: string) => Buffer.from(`${HKDF_SALT}\0${context}`, 'utf8');

function decodePart(text: string, expectedBytes?: number): Buffer {
  const buf = B64URL.test(text) ? Buffer.from(text, 'base64url') : null;
  // Re-encoding must reproduce the text: base64url decoding ignores stray bits,
  // and a value that decodes the same after an edit would hide tampering.
  if (!buf || buf.toString('base64url') !== text || (expectedBytes !== undefined && buf.length !== expectedBytes)) {
    throw malformed();
  }
  return buf;
}

const malformed = () =>
  new SecretBoxError('malformed', 'cannot decrypt: the value is not a sealed secret (expected v1.<keyId>.<iv>.<tag>.<ciphertext>)');

function parse(sealed: string) {
  const parts = typeof sealed === 'string' ? sealed.split('.') : [];
  if (parts.length !== 5 || parts[0] !== VERSION || !/^[0-9a-f]{8}$/.test(parts[1]!)) throw malformed();
  return {
    keyId: parts[1]!,
    iv: decodePart(parts[2]!, IV_BYTES),
    tag: decodePart(parts[3]!, TAG_BYTES),
    ciphertext: decodePart(parts[4]!),
  };
}

/**
 * AES-256-GCM with a random IV per value, under a key derived from ARCHON_SECRET.
 * `previous` secrets only open values; seal always uses `current`. Rotation: start
 * with the new secret as current and the old one as previous, re-seal, then drop it.
 */
export function createSecretBox(secrets: SecretBoxSecrets): SecretBox {
  const current = deriveKey(checkSecret(secrets.current, 'ARCHON_SECRET'));
  const keys = new Map<string, Buffer>([[current.id, current.key]]);
  for (const old of secrets.previous ?? []) {
    const k = deriveKey(checkSecret(old, 'Each ARCHON_SECRET_PREVIOUS value'));
    if (!keys.has(k.id)) keys.set(k.id, k.key);
  }

  return {
    keyId: current.id,
    seal(plaintext, context = '') {
      if (typeof plaintext !== 'string') throw new TypeError('seal() takes a string');
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', current.key, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(aad(context));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return [VERSION, current.id, iv, tag, ciphertext].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
    },
    open(sealed, context = '') {
      const { keyId, iv, tag, ciphertext } = parse(sealed);
      const key = keys.get(keyId);
      if (!key) {
        throw new SecretBoxError(
          'unknown-key',
          `cannot decrypt: the secret that sealed this value (key id ${keyId}) is not configured (ARCHON_SECRET / ARCHON_SECRET_PREVIOUS)`,
        );
      }
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
        decipher.setAAD(aad(context));
        decipher.setAuthTag(tag);
        return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
      } catch {
        throw new SecretBoxError('tampered', 'cannot decrypt: the value has been tampered with, or was sealed for a different setting');
      }
    },
    needsReseal(sealed) {
      try {
        return parse(sealed).keyId !== current.id;
      } catch {
        return true;
      }
    },
  };
}
