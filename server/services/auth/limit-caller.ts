import type { Database } from '../../../db/types';
import { createRateLimiter, type DefaultRuleName, rateLimitRules } from '../security/rate-limit';
import type { Principal } from './principal';

/** The expensive calls, each limited per minute. */
export type CallerRule = Exclude<DefaultRuleName, 'login' | 'login-account'>;
export type CallerLimits = Record<CallerRule, number>;

/** What a refusal says was too many ("Too many search calls; try again in 12 s"). */
const COUNTED: Record<CallerRule, string> = {
  search: 'search calls',
  crawl: 'crawl calls',
  upload: 'upload calls',
  'mcp-session': 'new MCP sessions',
};

/**
 * Counts one expensive call against its caller (per API key, else per user,
 * else per address) and throws TOO_MANY_REQUESTS past the limit. tRPC
 * procedures and plain route handlers share it, so a limit cannot be stepped
 * around by calling the other entry point. The system principal (in-process
 * callers) is not limited.
 */
export async function limitCaller(
  db: Database,
  perMinute: CallerLimits,
  rule: CallerRule,
  caller: { principal: Principal | null; ip: string | null },
): Promise<void> {
  const p = caller.principal;
  if (!p || p.kind === 'system') return;
  const subject = p.keyId ? `key:${p.keyId}` : p.userId ? `user:${p.userId}` : `ip:${caller.ip ?? 'unknown'}`;
  const rules = rateLimitRules({ [rule]: { limit: perMinute[rule], windowMs: 60_000 } });
  await createRateLimiter(db, rules).enforce(rule, subject, COUNTED[rule]);
}

/** The per-minute limits from configuration. */
export const callerLimits = (config: {
  RATE_LIMIT_SEARCH_PER_MINUTE: number;
  RATE_LIMIT_CRAWL_PER_MINUTE: number;
  RATE_LIMIT_UPLOAD_PER_MINUTE: number;
  RATE_LIMIT_MCP_SESSIONS_PER_MINUTE: number;
}): CallerLimits => ({
  search: config.RATE_LIMIT_SEARCH_PER_MINUTE,
  crawl: config.RATE_LIMIT_CRAWL_PER_MINUTE,
  upload: config.RATE_LIMIT_UPLOAD_PER_MINUTE,
  'mcp-session': config.RATE_LIMIT_MCP_SESSIONS_PER_MINUTE,
});
