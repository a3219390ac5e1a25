import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A URL-safe random token: 32 bytes is 256 bits, beyond guessing. */
export const randomToken = (bytes = 32): string => randomBytes(bytes).toString('base64url');

export const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * Compares two strings in time that depends on neither content nor length:
 * both are hashed first, so timingSafeEqual sees equal-length inputs and an
 * early exit on length cannot tell an attacker how long the secret is.
 */
export function safeEqual(a: string, b: string): boolean {
  const da = createHash('sha256').update(a, 'utf8').digest();
  const db = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(da, db) && a === b;
}
