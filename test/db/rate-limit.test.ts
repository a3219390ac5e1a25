import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rateLimits } from '../../db/schema';
import type { DatabaseHandle } from '../../db/types';
import { isAppError } from '../../server/errors';
import { createRateLimiter, DEFAULT_RATE_LIMITS, pruneRateLimits, rateLimited, rateLimitRules } from '../../server/services/security/rate-limit';
import { createTestDatabase } from '../helpers/db';

let handle: DatabaseHandle;
beforeAll(async () => {
  handle = await createTestDatabase();
});
afterAll(async () => {
  await handle?.close();
});

const MINUTE = 60_000;
// Windows are aligned to multiples of their length since the epoch; this is the start of one.
const windowStart = new Date(Math.floor(Date.UTC(2026, 0, 1, 12) / MINUTE) * MINUTE);
const at = (ms: number) => new Date(windowStart.getTime() + ms);
const noPrune = { pruneProbability: 0 };

describe('rate limiter', () => {
  it('allows exactly the limit, then refuses with the time left in the window', async () => {
    const limiter = createRateLimiter(handle.db, { login: { limit: 3, windowMs: MINUTE } }, noPrune);
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await limiter.hit('login', 'ip:1', at(1_000)));
    expect(results.map((r) => [r.allowed, r.remaining])).toEqual([
      [true, 2],
      [true, 1],
      [true, 0],
    ]);
    const refused = await limiter.hit('login', 'ip:1', at(20_500));
    expect(refused).toEqual({ allowed: false, remaining: 0, retryAfterSeconds: 40 });
    // Near the end of the window the wait never rounds down to zero.
    expect((await limiter.hit('login', 'ip:1', at(MINUTE - 1))).retryAfterSeconds).toBe(1);
  });

  it('allows again in the next window', async () => {
    const limiter = createRateLimiter(handle.db, { login: { limit: 2, windowMs: MINUTE } }, noPrune);
    for (let i = 0; i < 3; i++) await limiter.hit('login', 'ip:2', at(5_000));
    expect((await limiter.hit('login', 'ip:2', at(MINUTE - 1))).allowed).toBe(false);
    const next = await limiter.hit('login', 'ip:2', at(MINUTE));
    expect(next).toEqual({ allowed: true, remaining: 1, retryAfterSeconds: 60 });
  });

  it('keeps subjects and rules apart', async () => {
    const limiter = createRateLimiter(handle.db, { login: { limit: 1, windowMs: MINUTE }, 'login-account': { limit: 1, windowMs: MINUTE } }, noPrune);
    expect((await limiter.hit('login', 'same', at(0))).allowed).toBe(true);
    expect((await limiter.hit('login', 'same', at(0))).allowed).toBe(false);
    expect((await limiter.hit('login', 'other', at(0))).allowed).toBe(true);
    expect((await limiter.hit('login-account', 'same', at(0))).allowed).toBe(true);
  });

  it('counts concurrent hits exactly', async () => {
    const limiter = createRateLimiter(handle.db, { search: { limit: 30, windowMs: MINUTE } }, noPrune);
    const results = await Promise.all(Array.from({ length: 50 }, () => limiter.hit('search', 'key:busy', at(2_000))));
    expect(results.filter((r) => r.allowed)).toHaveLength(30);
    expect(
      results
        .map((r) => r.remaining)
        .sort((a, b) => b - a)
        .slice(0, 30),
    ).toEqual(Array.from({ length: 30 }, (_, i) => 29 - i));
    const rows = await handle.db.select().from(rateLimits);
    expect(rows.find((r) => r.bucket === 'search:key:busy')?.hits).toBe(50);
  });

  it('forgets a subject on reset, and only that subject', async () => {
    const limiter = createRateLimiter(handle.db, { login: { limit: 1, windowMs: MINUTE } }, noPrune);
    await limiter.hit('login', 'reset-me', at(0));
    await limiter.hit('login', 'keep-me', at(0));
    expect((await limiter.hit('login', 'reset-me', at(0))).allowed).toBe(false);
    await limiter.reset('login', 'reset-me');
    expect((await limiter.hit('login', 'reset-me', at(0))).allowed).toBe(true);
    expect((await limiter.hit('login', 'keep-me', at(0))).allowed).toBe(false);
  });

  it('gives long subjects their own short bucket', async () => {
    const limiter = createRateLimiter(handle.db, { login: { limit: 1, windowMs: MINUTE } }, noPrune);
    const a = `${'x'.repeat(300)}a`;
    const b = `${'x'.repeat(300)}b`;
    await limiter.hit('login', a, at(0));
    expect((await limiter.hit('login', b, at(0))).allowed).toBe(true);
    const rows = await handle.db.select().from(rateLimits);
    expect(Math.max(...rows.map((r) => r.bucket.length))).toBeLessThan(100);
  });

  it('throws a TOO_MANY_REQUESTS AppError from enforce', async () => {
    const limiter = createRateLimiter(handle.db, { upload: { limit: 1, windowMs: MINUTE } }, noPrune);
    await limiter.enforce('upload', 'user:1', 'uploads', at(0));
    const err = await limiter.enforce('upload', 'user:1', 'uploads', at(30_000)).catch((e: unknown) => e);
    expect(isAppError(err)).toBe(true);
    expect(err).toMatchObject({ code: 'TOO_MANY_REQUESTS', details: { retryAfterSeconds: 30 } });
    expect(rateLimited(7, 'searches')).toMatchObject({ code: 'TOO_MANY_REQUESTS', details: { retryAfterSeconds: 7 } });
  });

  it('sweeps windows older than a day now and then', async () => {
    const old = new Date(windowStart.getTime() - 2 * 24 * 60 * MINUTE);
    const quiet = createRateLimiter(handle.db, { crawl: { limit: 5, windowMs: MINUTE } }, noPrune);
    await quiet.hit('crawl', 'old-subject', old);
    const sweeping = createRateLimiter(handle.db, { crawl: { limit: 5, windowMs: MINUTE } }, { random: () => 0 });
    await sweeping.hit('crawl', 'new-subject', windowStart);
    const buckets = (await handle.db.select().from(rateLimits)).map((r) => r.bucket);
    expect(buckets).toContain('crawl:new-subject');
    expect(buckets).not.toContain('crawl:old-subject');
    expect(await pruneRateLimits(handle.db, new Date(0))).toBe(0);
  });

  it('ships the documented defaults, overridable one rule at a time', () => {
    expect(DEFAULT_RATE_LIMITS).toEqual({
      login: { limit: 10, windowMs: 15 * MINUTE },
      'login-account': { limit: 10, windowMs: 15 * MINUTE },
      crawl: { limit: 30, windowMs: MINUTE },
      upload: { limit: 30, windowMs: MINUTE },
      search: { limit: 600, windowMs: MINUTE },
      'mcp-session': { limit: 30, windowMs: MINUTE },
    });
    const rules = rateLimitRules({ login: { limit: 3, windowMs: MINUTE } });
    expect(rules.login).toEqual({ limit: 3, windowMs: MINUTE });
    expect(rules.search).toEqual(DEFAULT_RATE_LIMITS.search);
  });
});
