import { createHash } from 'node:crypto';
import { eq, lt, sql } from 'drizzle-orm';
import { localSettings, queryWithSettings } from '../../../db/one-trip';
import { rateLimits } from '../../../db/schema';
import type { Database } from '../../../db/types';
import { AppError } from '../../errors';

export type RateLimitRule = { limit: number; windowMs: number };
export type RateLimitResult = { allowed: boolean; remaining: number; retryAfterSeconds: number };

const MINUTE = 60_000;

/**
 * What Archon limits, and how hard. `login` counts per client address and
 * `login-account` per email, so neither one address guessing many accounts
 * nor many addresses guessing one account gets far. The expensive calls count
 * per user or API key, as do new MCP sessions (each holds a server in memory).
 */
export const DEFAULT_RATE_LIMITS = {
  login: { limit: 10, windowMs: 15 * MINUTE },
  'login-account': { limit: 10, windowMs: 15 * MINUTE },
  crawl: { limit: 30, windowMs: MINUTE },
  upload: { limit: 30, windowMs: MINUTE },
  search: { limit: 600, windowMs: MINUTE },
  'mcp-session': { limit: 30, windowMs: MINUTE },
} satisfies Record<string, RateLimitRule>;
export type DefaultRuleName = keyof typeof DEFAULT_RATE_LIMITS;

/** The default rules with some of them replaced, e.g. from configuration. */
export const rateLimitRules = (overrides: Partial<Record<DefaultRuleName, RateLimitRule>> = {}): Record<DefaultRuleName, RateLimitRule> => ({
  ...DEFAULT_RATE_LIMITS,
  ...overrides,
});

export const rateLimited = (retryAfterSeconds: number, what: string) =>
  new AppError('TOO_MANY_REQUESTS', `Too many ${what}; try again in ${retryAfterSeconds} s`, { retryAfterSeconds });

const DAY = 24 * 60 * MINUTE;
const MAX_SUBJECT_CHARS = 200;

// Subjects can come from clients (an email typed at the sign-in form); a
// digest keeps keys short without letting two long subjects share a bucket.
const bucketOf = (rule: string, subject: string) =>
  `${rule}:${subject.length > MAX_SUBJECT_CHARS ? `sha256:${createHash('sha256').update(subject).digest('hex')}` : subject}`;

/** Deletes counters of windows that started before `before`; they can no longer refuse anything. */
export async function pruneRateLimits(db: Database, before: Date): Promise<number> {
  const rows = await db.delete(rateLimits).where(lt(rateLimits.windowStart, before)).returning({ bucket: rateLimits.bucket });
  return rows.length;
}

/**
 * Fixed-window counters in the database, so every process serving the same
 * database enforces one shared limit and a restart does not reset it. Each hit
 * is a single upsert, which Postgres serialises per bucket: concurrent hits
 * count exactly.
 */
export function createRateLimiter<R extends string>(
  db: Database,
  rules: Record<R, RateLimitRule>,
  opts: { pruneProbability?: number; random?: () => number } = {},
) {
  const pruneProbability = opts.pruneProbability ?? 0.01;
  const random = opts.random ?? Math.random;
  // Old windows are swept now and then by whichever hit draws the short straw,
  // rather than by a job, so the table stays small with nothing to schedule.
  const keepMs = Math.max(DAY, ...Object.values<RateLimitRule>(rules).map((r) => r.windowMs));

  const ruleOf = (rule: R): RateLimitRule => {
    const r = rules[rule];
    if (!r) throw new Error(`Unknown rate limit rule '${rule}'`);
    return r;
  };

  async function hit(rule: R, subject: string, now: Date = new Date()): Promise<RateLimitResult> {
    const { limit, windowMs } = ruleOf(rule);
    const windowStart = Math.floor(now.getTime() / windowMs) * windowMs;
    // Every limited request pays for this commit. Waiting for the WAL flush cost
    // 1–14 ms with fsync on; a crash losing the last moment's hits is harmless.
    const upsert = db
      .insert(rateLimits)
      .values({ bucket: bucketOf(rule, subject), windowStart: new Date(windowStart), hits: 1 })
      .onConflictDoUpdate({ target: [rateLimits.bucket, rateLimits.windowStart], set: { hits: sql`${rateLimits.hits} + 1` } })
      .returning({ hits: rateLimits.hits });
    const [row] = await queryWithSettings<{ hits: number }>(db, localSettings({ synchronous_commit: 'off' }), upsert.getSQL());
    if (random() < pruneProbability) await pruneRateLimits(db, new Date(now.getTime() - keepMs));
    const hits = row!.hits;
    return {
      allowed: hits <= limit,
      remaining: Math.max(0, limit - hits),
      retryAfterSeconds: Math.max(1, Math.ceil((windowStart + windowMs - now.getTime()) / 1000)),
    };
  }

  return {
    hit,
    /** Counts a hit and throws TOO_MANY_REQUESTS when it is over the limit. */
    async enforce(rule: R, subject: string, what: string, now?: Date): Promise<RateLimitResult> {
      const result = await hit(rule, subject, now);
      if (!result.allowed) throw rateLimited(result.retryAfterSeconds, what);
      return result;
    },
    /** Forgets a subject's hits, e.g. the per-account login counter after a successful sign-in. */
    async reset(rule: R, subject: string): Promise<void> {
      ruleOf(rule);
      await db.delete(rateLimits).where(eq(rateLimits.bucket, bucketOf(rule, subject)));
    },
  };
}

export type RateLimiter<R extends string = DefaultRuleName> = ReturnType<typeof createRateLimiter<R>>;
