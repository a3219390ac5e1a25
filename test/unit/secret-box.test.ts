import { describe, expect, it } from 'vitest';
import { createSecretBox, SecretBoxError } from '../../server/services/security/secret-box';

const OLD = 'old-secret-0123456789-0123456789-abcdef';
const NEW = 'new-secret-0123456789-0123456789-abcdef';
const KEY = 'sk-live-0123456789abcdefghij';

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
// Flips the lowest bit of one base64url digit: in a final digit that bit is padding,
// so this also checks that non-canonical encodings are refused, not decoded to the same bytes.
const flipChar = (s: string, i: number) => {
  const c = s[i]!;
  const swapped = B64URL.includes(c) ? B64URL[B64URL.indexOf(c) ^ 1]! : c === 'v' ? 'w' : 'x';
  return s.slice(0, i) + swapped + s.slice(i + 1);
};

describe('secret box', () => {
  it('round-trips text, including empty and non-ASCII values', () => {
    const box = createSecretBox({ current: NEW });
    for (const plain of [KEY, '', 'ключ-🔑', 'x'.repeat(10_000)]) {
      const sealed = box.seal(plain, 'provider.chat');
      expect(box.open(sealed, 'provider.chat')).toBe(plain);
    }
  });

  it('uses the documented format and never contains the plaintext', () => {
    const box = createSecretBox({ current: NEW });
    const sealed = box.seal(KEY, 'ctx');
    const parts = sealed.split('.');
    expect(parts).toHaveLength(5);
    expect(parts[0]).toBe('v1');
    expect(parts[1]).toBe(box.keyId);
    expect(parts[1]).toMatch(/^[0-9a-f]{8}$/);
    expect(Buffer.from(parts[2]!, 'base64url')).toHaveLength(12);
    expect(Buffer.from(parts[3]!, 'base64url')).toHaveLength(16);
    expect(sealed).not.toContain(KEY);
    expect(sealed).not.toContain(Buffer.from(KEY).toString('base64url'));
    expect(sealed).not.toContain(NEW);
  });

  it('gives a different ciphertext (and IV) each time for the same plaintext', () => {
    const box = createSecretBox({ current: NEW });
    const a = box.seal(KEY, 'ctx');
    const b = box.seal(KEY, 'ctx');
    expect(a).not.toBe(b);
    expect(a.split('.')[2]).not.toBe(b.split('.')[2]);
    expect(a.split('.')[4]).not.toBe(b.split('.')[4]);
  });

  it('throws on any change to any part of the sealed value', () => {
    const box = createSecretBox({ current: NEW });
    const sealed = box.seal(KEY, 'ctx');
    // Every character position, so no part (version, key id, IV, tag, ciphertext) is unauthenticated.
    for (let i = 0; i < sealed.length; i++) {
      if (sealed[i] === '.') continue;
      expect(() => box.open(flipChar(sealed, i), 'ctx'), `position ${i}`).toThrow(SecretBoxError);
    }
    expect(() => box.open(sealed.slice(0, -1), 'ctx')).toThrow(SecretBoxError);
    expect(() => box.open(`${sealed}A`, 'ctx')).toThrow(SecretBoxError);
    expect(() => box.open(sealed.replace(/\.[^.]+$/, '.'), 'ctx')).toThrow(/tampered/);
  });

  it('reports tampering of the ciphertext or tag in plain words', () => {
    const box = createSecretBox({ current: NEW });
    const [v, id, iv, tag, ct] = box.seal(KEY, 'ctx').split('.');
    const otherTag = box.seal(KEY, 'ctx').split('.')[3];
    expect(() => box.open([v, id, iv, otherTag, ct].join('.'), 'ctx')).toThrow(/has been tampered with/);
    const ctBytes = Buffer.from(ct!, 'base64url');
    ctBytes[0]! ^= 1;
    expect(() => box.open([v, id, iv, tag, ctBytes.toString('base64url')].join('.'), 'ctx')).toThrow(/has been tampered with/);
  });

  it('refuses to open a value under a different context (moved to another row)', () => {
    const box = createSecretBox({ current: NEW });
    const sealed = box.seal(KEY, 'provider.embedding');
    expect(() => box.open(sealed, 'provider.chat')).toThrow(/tampered with, or was sealed for a different setting/);
    expect(() => box.open(sealed)).toThrow(SecretBoxError);
    expect(box.open(sealed, 'provider.embedding')).toBe(KEY);
  });

  it('rejects things that are not sealed values with a clear error', () => {
    const box = createSecretBox({ current: NEW });
    for (const bad of ['', 'sk-plain-key', 'v1.abc', 'v2.00000000.a.b.c', 'v1.ZZZZZZZZ.a.b.c', null, 42]) {
      expect(() => box.open(bad as string), String(bad)).toThrow(/not a sealed secret/);
    }
  });

  it('rotates: opens values sealed under a previous secret and flags them for re-sealing', () => {
    const oldBox = createSecretBox({ current: OLD });
    const sealedOld = oldBox.seal(KEY, 'ctx');
    const rotated = createSecretBox({ current: NEW, previous: [OLD] });
    expect(rotated.keyId).not.toBe(oldBox.keyId);
    expect(rotated.open(sealedOld, 'ctx')).toBe(KEY);
    expect(rotated.needsReseal(sealedOld)).toBe(true);

    const resealed = rotated.seal(rotated.open(sealedOld, 'ctx'), 'ctx');
    expect(rotated.needsReseal(resealed)).toBe(false);
    expect(resealed.split('.')[1]).toBe(rotated.keyId);
    // After the previous secret is dropped, only re-sealed values open.
    const newOnly = createSecretBox({ current: NEW });
    expect(newOnly.open(resealed, 'ctx')).toBe(KEY);
    expect(() => newOnly.open(sealedOld, 'ctx')).toThrow(
      /the secret that sealed this value .*is not configured \(ARCHON_SECRET \/ ARCHON_SECRET_PREVIOUS\)/,
    );
  });

  it('names the missing secret when the key is unknown, with a typed reason', () => {
    const sealed = createSecretBox({ current: OLD }).seal(KEY);
    try {
      createSecretBox({ current: NEW }).open(sealed);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(SecretBoxError);
      expect((err as SecretBoxError).reason).toBe('unknown-key');
      expect((err as Error).message).not.toContain(KEY);
    }
  });

  it('derives the same key from the same secret across instances (restarts)', () => {
    const sealed = createSecretBox({ current: NEW }).seal(KEY, 'ctx');
    expect(createSecretBox({ current: NEW }).open(sealed, 'ctx')).toBe(KEY);
    expect(createSecretBox({ current: NEW }).needsReseal(sealed)).toBe(false);
  });

  it('refuses weak secrets, naming the variable', () => {
    expect(() => createSecretBox({ current: 'short' })).toThrow(/ARCHON_SECRET must be at least 32 characters/);
    expect(() => createSecretBox({ current: '' })).toThrow(/ARCHON_SECRET/);
    expect(() => createSecretBox({ current: NEW, previous: ['short'] })).toThrow(/ARCHON_SECRET_PREVIOUS/);
    expect(() => createSecretBox({ current: 'x'.repeat(32) })).not.toThrow();
  });
});
