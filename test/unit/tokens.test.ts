import { describe, expect, it } from 'vitest';
import { randomToken, safeEqual, sha256Hex } from '../../server/services/security/tokens';

describe('tokens', () => {
  it('are random, URL-safe and as long as asked', () => {
    const a = randomToken(32);
    const b = randomToken(32);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(randomToken(12)).toHaveLength(16);
  });

  it('hash to hex and compare exactly', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(safeEqual('same', 'same')).toBe(true);
    expect(safeEqual('same', 'Same')).toBe(false);
    expect(safeEqual('short', 'short but longer')).toBe(false);
    expect(safeEqual('', '')).toBe(true);
  });
});
