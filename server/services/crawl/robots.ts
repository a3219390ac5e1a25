import robotsParser from 'robots-parser';
import { FetchError } from './fetch-error';
import type { FetchResult } from './fetcher';

/** RFC 9309 §2.5: crawlers must parse at least 500 KiB; what follows may be ignored. */
export const ROBOTS_MAX_BYTES = 500 * 1024;
const DEFAULT_TTL_MS = 60 * 60 * 1000;
// A transient outage should not close a site for the whole TTL.
const FAILURE_TTL_MS = 60 * 1000;

/**
 * `unreachable` says why robots.txt could not be read when that, not a rule,
 * disallowed the URL: a passing outage, so the URL failed rather than being
 * excluded on purpose.
 */
export type RobotsVerdict = { allowed: boolean; crawlDelayMs: number | null; unreachable?: string };
export type RobotsCache = {
  check(url: string): Promise<RobotsVerdict>;
  sitemaps(url: string): Promise<string[]>;
};
export type RobotsCacheOptions = {
  /** Fetches robots.txt; it should allow bodies of at least ROBOTS_MAX_BYTES. */
  fetch: (url: string) => Promise<FetchResult>;
  /** The crawler's User-Agent; its product token (before the first `/`) selects the robots.txt group. */
  userAgent: string;
  ttlMs?: number;
};

type Rules = { verdict(url: string): RobotsVerdict; sitemaps: string[]; failed: boolean };

const ALLOW_ALL: Rules = { verdict: () => ({ allowed: true, crawlDelayMs: null }), sitemaps: [], failed: false };
const disallowAll = (why: string): Rules => ({
  verdict: () => ({ allowed: false, crawlDelayMs: null, unreachable: why }),
  sitemaps: [],
  failed: true,
});

function parseRules(robotsUrl: string, body: Buffer, userAgent: string): Rules {
  const text = body
    .subarray(0, ROBOTS_MAX_BYTES)
    .toString('utf8')
    .replace(/^\uFEFF/, '');
  const robots = robotsParser(robotsUrl, text);
  const delay = robots.getCrawlDelay(userAgent);
  const crawlDelayMs = delay === undefined || !Number.isFinite(delay) || delay < 0 ? null : Math.round(delay * 1000);
  return {
    verdict: (url) => ({ allowed: robots.isAllowed(url, userAgent) ?? true, crawlDelayMs }),
    sitemaps: robots.getSitemaps(),
    failed: false,
  };
}

/**
 * What robots.txt means for an origin, per RFC 9309 §2.3.1: a file we got is
 * parsed; "unavailable" (4xx, or a redirect chain we gave up on) allows
 * everything; "unreachable" (5xx, network failure) disallows everything.
 */
async function loadRules(origin: string, opts: RobotsCacheOptions): Promise<Rules> {
  const robotsUrl = `${origin}/robots.txt`;
  let res: FetchResult;
  try {
    res = await opts.fetch(robotsUrl);
  } catch (err) {
    if (!(err instanceof FetchError)) throw err;
    return err.kind === 'too-many-redirects' || err.kind === 'redirect-loop' || err.kind === 'unsupported-protocol'
      ? ALLOW_ALL
      : disallowAll(err.message);
  }
  // Rules fetched through a redirect still govern the origin that was asked.
  if (res.status >= 200 && res.status < 300) return parseRules(robotsUrl, res.body, opts.userAgent);
  // 429 is a 4xx, but it means "slow down", not "there is no robots.txt".
  if (res.status >= 500 || res.status === 429) return disallowAll(`HTTP ${res.status}`);
  return ALLOW_ALL;
}

function originOf(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : null;
  } catch {
    return null;
  }
}

/** robots.txt rules per origin, fetched once per TTL however many checks ask at the same time. */
export function createRobotsCache(opts: RobotsCacheOptions): RobotsCache {
  const ttlMs = opts.ttlMs ?? DEFAULT_TTL_MS;
  const userAgent = opts.userAgent.trim().split(/[/\s]/)[0] ?? opts.userAgent;
  const entries = new Map<string, { rules: Promise<Rules>; expiresAt: number }>();

  function rulesFor(origin: string): Promise<Rules> {
    const now = Date.now();
    const cached = entries.get(origin);
    if (cached && cached.expiresAt > now) return cached.rules;
    for (const [key, entry] of entries) if (entry.expiresAt <= now) entries.delete(key);
    const entry = { rules: loadRules(origin, { ...opts, userAgent }), expiresAt: Infinity };
    entries.set(origin, entry);
    entry.rules.then(
      (rules) => {
        entry.expiresAt = Date.now() + (rules.failed ? Math.min(ttlMs, FAILURE_TTL_MS) : ttlMs);
      },
      () => {
        // Not a fetch failure but a bug in the fetcher: let the next check try again.
        if (entries.get(origin) === entry) entries.delete(origin);
      },
    );
    return entry.rules;
  }

  return {
    async check(url) {
      const origin = originOf(url);
      if (!origin) return { allowed: false, crawlDelayMs: null };
      return (await rulesFor(origin)).verdict(url);
    },
    async sitemaps(url) {
      const origin = originOf(url);
      return origin ? (await rulesFor(origin)).sitemaps : [];
    },
  };
}
