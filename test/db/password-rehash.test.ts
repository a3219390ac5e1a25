import { randomBytes, scryptSync } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { users } from '../../db/schema';
import { signIn } from '../../server/services/auth/sign-in';
import { needsRehash, verifyPassword } from '../../server/services/security/password';
import { createRateLimiter, rateLimitRules } from '../../server/services/security/rate-limit';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';

/** A password hash made with older scrypt parameters is replaced by a current one when its owner signs in. */
let rt: TestRuntime;
const PASSWORD = 'an older pass phrase';
const meta = { ip: '10.0.0.7', userAgent: null };

beforeAll(async () => {
  rt = await createTestRuntime();
});
afterAll(async () => {
  await rt?.close();
});

/** What an older release would have stored: the same derivation with N = 2^14. */
function olderHash(password: string) {
  const salt = randomBytes(16);
  const b64 = (b: Buffer) => b.toString('base64').replace(/=+$/, '');
  return `scrypt$N=16384,r=8,p=1$${b64(salt)}$${b64(scryptSync(password, salt, 32, { N: 16384, r: 8, p: 1 }))}`;
}

const storedHash = async (id: string) => (await rt.database.db.select({ hash: users.passwordHash }).from(users).where(eq(users.id, id)))[0]!.hash!;

describe('signing in with a hash made with older parameters', () => {
  it('hashes the password again with the current parameters after a successful sign-in, and not after a failed one', async () => {
    const old = olderHash(PASSWORD);
    const [user] = await rt.database.db
      .insert(users)
      .values({ email: 'older@example.com', role: 'member', passwordHash: old })
      .returning({ id: users.id });
    const limiter = createRateLimiter(rt.database.db, rateLimitRules());

    await expect(signIn(rt.database.db, limiter, { email: 'older@example.com', password: 'not the pass phrase' }, meta)).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
    expect(await storedHash(user!.id)).toBe(old);

    await signIn(rt.database.db, limiter, { email: 'older@example.com', password: PASSWORD }, meta);
    const upgraded = await storedHash(user!.id);
    expect(upgraded).toMatch(/^scrypt\$N=32768,r=8,p=1\$/);
    expect(needsRehash(upgraded)).toBe(false);
    expect(await verifyPassword(PASSWORD, upgraded)).toBe(true);

    // The new hash signs in too, and a current hash is left as it is.
    await signIn(rt.database.db, limiter, { email: 'older@example.com', password: PASSWORD }, meta);
    expect(await storedHash(user!.id)).toBe(upgraded);
  });
});
