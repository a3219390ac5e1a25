import { describe, expect, it } from 'vitest';
import { DUMMY_HASH, hashPassword, needsRehash, passwordProblem, verifyAgainstDummy, verifyPassword } from '../../server/services/security/password';

const GOOD = 'correct horse battery staple';

describe('password hashing', () => {
  it('verifies the right password and refuses a wrong one', async () => {
    const encoded = await hashPassword(GOOD);
    expect(encoded).toMatch(/^scrypt\$N=32768,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(encoded).not.toContain(GOOD);
    expect(await verifyPassword(GOOD, encoded)).toBe(true);
    expect(await verifyPassword(`${GOOD} `, encoded)).toBe(false);
    expect(await verifyPassword('Correct horse battery staple', encoded)).toBe(false);
    expect(await verifyPassword('', encoded)).toBe(false);
  });

  it('salts each hash, so equal passwords give different hashes', async () => {
    const [a, b] = await Promise.all([hashPassword(GOOD), hashPassword(GOOD)]);
    expect(a).not.toBe(b);
    expect(a.split('$')[2]).not.toBe(b.split('$')[2]);
    expect(await verifyPassword(GOOD, a)).toBe(true);
    expect(await verifyPassword(GOOD, b)).toBe(true);
  });

  it('treats composed and decomposed accents as the same password', async () => {
    const composed = 'caf\u00e9-password-1';
    const encoded = await hashPassword(composed);
    expect(await verifyPassword('cafe\u0301-password-1', encoded)).toBe(true);
  });

  it('returns false, without throwing, for malformed or hostile encodings', async () => {
    const real = await hashPassword(GOOD);
    const [, , salt, hash] = real.split('$');
    const bad = [
      '',
      'not a hash',
      GOOD,
      real.replace('scrypt$', 'bcrypt$'),
      real.slice(0, -1),
      // The stored hash cut to 31 bytes, canonically encoded: it is the prefix of the right key.
      `scrypt$N=32768,r=8,p=1$${salt}$${Buffer.from(hash!, 'base64').subarray(0, 31).toString('base64').replace(/=+$/, '')}`,
      `${real}$extra`,
      `scrypt$N=32768,r=8,p=1$${salt}`,
      `scrypt$N=32768,r=8,p=1$${salt}$`,
      `scrypt$N=32768,r=8,p=1$${salt}$${hash}==`,
      `scrypt$N=32768,r=8,p=1$${salt}$${hash!.replace(/.$/, '!')}`,
      `scrypt$N=30000,r=8,p=1$${salt}$${hash}`, // not a power of two
      `scrypt$N=1073741824,r=8,p=1$${salt}$${hash}`, // would allocate 1 TiB
      `scrypt$N=32768,r=999,p=1$${salt}$${hash}`,
      `scrypt$N=32768,r=8,p=0$${salt}$${hash}`,
      `scrypt$N=32768,r=8,p=1$$${hash}`,
      `scrypt$N=32768,r=8,p=1$QQ$${hash}`, // salt too short
      null,
      undefined,
      42,
    ];
    for (const encoded of bad) {
      expect(await verifyPassword(GOOD, encoded as string), String(encoded)).toBe(false);
    }
  });

  it('flags hashes made with other parameters for rehashing', async () => {
    const current = await hashPassword(GOOD);
    expect(needsRehash(current)).toBe(false);
    const [, , salt, hash] = current.split('$');
    expect(needsRehash(`scrypt$N=16384,r=8,p=1$${salt}$${hash}`)).toBe(true);
    expect(needsRehash(`scrypt$N=32768,r=4,p=1$${salt}$${hash}`)).toBe(true);
    expect(needsRehash(`scrypt$N=32768,r=8,p=2$${salt}$${hash}`)).toBe(true);
    expect(needsRehash('garbage')).toBe(true);
  });

  it('still verifies a valid hash made with older parameters', async () => {
    // Same derivation, cheaper parameters: what an older release would have stored.
    const { scryptSync } = await import('node:crypto');
    const salt = Buffer.from('0123456789abcdef');
    const hash = scryptSync(GOOD, salt, 32, { N: 1024, r: 8, p: 1 });
    const b64 = (b: Buffer) => b.toString('base64').replace(/=+$/, '');
    const old = `scrypt$N=1024,r=8,p=1$${b64(salt)}$${b64(hash)}`;
    expect(await verifyPassword(GOOD, old)).toBe(true);
    expect(await verifyPassword('wrong password!', old)).toBe(false);
    expect(needsRehash(old)).toBe(true);
  });
});

describe('unknown-account login', () => {
  it('checks against a dummy hash that costs the same as a real one and never matches', async () => {
    expect(DUMMY_HASH).toMatch(/^scrypt\$N=32768,r=8,p=1\$/);
    // Same parameters as a fresh hash means the same work per check.
    expect(needsRehash(DUMMY_HASH)).toBe(false);
    expect(await verifyAgainstDummy(GOOD)).toBe(false);
    expect(await verifyPassword('', DUMMY_HASH)).toBe(false);
  });

  it('spends real hashing time rather than returning at once', async () => {
    const real = await hashPassword(GOOD);
    const time = async (fn: () => Promise<unknown>) => {
      const t = performance.now();
      await fn();
      return performance.now() - t;
    };
    const realMs = Math.min(await time(() => verifyPassword(GOOD, real)), await time(() => verifyPassword(GOOD, real)));
    const dummyMs = Math.min(await time(() => verifyAgainstDummy(GOOD)), await time(() => verifyAgainstDummy(GOOD)));
    expect(dummyMs).toBeGreaterThan(realMs * 0.3);
  });
});

describe('password policy', () => {
  it('accepts reasonable passwords', () => {
    for (const ok of [GOOD, 'Tr0ub4dor&3x', 'пароль-надёжный', '密码很安全的一句话吧']) {
      expect(passwordProblem(ok), ok).toBeNull();
    }
  });

  it('explains what is wrong with weak ones', () => {
    expect(passwordProblem('short1!')).toMatch(/at least 10 characters/);
    expect(passwordProblem('x'.repeat(257))).toMatch(/at most 256 characters/);
    expect(passwordProblem('aaaaaaaaaaaa')).toMatch(/one character repeated/);
    expect(passwordProblem('ababababab')).toMatch(/4 different characters/);
    expect(passwordProblem('            ')).toMatch(/spaces|repeated/);
    expect(passwordProblem('Password123')).toMatch(/too common/);
    expect(passwordProblem('abc\0defghijk')).toMatch(/NUL/);
    expect(passwordProblem('alice.smith@example.com', { email: 'Alice.Smith@example.com' })).toMatch(/email/);
    expect(passwordProblem(7 as unknown as string)).toMatch(/text/);
  });

  it('counts characters, not UTF-16 units', () => {
    // Five emoji are ten UTF-16 units but only five characters.
    expect(passwordProblem('😀😁😂🤣😃')).toMatch(/at least 10/);
    // 256 characters, 257 UTF-16 units: at the limit, not over it.
    expect(passwordProblem(`${'abcd'.repeat(63)}xyz😀`)).toBeNull();
  });
});
