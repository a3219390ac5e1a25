import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createHostLimiters,
  HostLimiter,
  INITIAL_HOST_CONCURRENCY,
  MAX_RETRY_AFTER_MS,
  mergeFetchStats,
  newFetchStats,
  overloadOfError,
  overloadOfStatus,
  parseRetryAfter,
} from '../../server/services/crawl/host-pacer';

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-12-05T12:00:00Z');

  it.each([
    ['5', 5_000],
    [' 0 ', 0],
    ['120', MAX_RETRY_AFTER_MS],
    ['Sat, 05 Dec 2026 12:00:30 GMT', 30_000],
    ['Saturday, 05-Dec-26 12:00:10 GMT', 10_000],
    ['Sat Dec  5 12:00:02 2026', 2_000],
    ['Sat, 05 Dec 2026 11:00:00 GMT', 0],
    ['Sun, 06 Dec 2026 12:00:00 GMT', MAX_RETRY_AFTER_MS],
  ])('reads %j as %i ms', (value, ms) => {
    expect(parseRetryAfter(value, now)).toBe(ms);
  });

  it.each([undefined, null, '', '   ', '-3', '1.5', '1e3', 'soon', 'Sat, 05 Dec 2026'])('ignores %j', (value) => {
    expect(parseRetryAfter(value, now)).toBeNull();
  });
});

describe('overload signals', () => {
  it('counts refusals, resets, timeouts, 429 and 503, and nothing else', () => {
    const err = (code: string) => Object.assign(new Error(code), { code });
    expect(overloadOfError(err('ECONNREFUSED'))).toBe('refused');
    expect(overloadOfError(err('ECONNRESET'))).toBe('reset');
    expect(overloadOfError(err('EPIPE'))).toBe('reset');
    expect(overloadOfError(err('ETIMEDOUT'))).toBe('timeout');
    expect(overloadOfError(err('ENOTFOUND'))).toBeNull();
    expect(overloadOfError(new Error('plain'))).toBeNull();
    expect(overloadOfStatus(429)).toBe('HTTP 429');
    expect(overloadOfStatus(503)).toBe('HTTP 503');
    expect([200, 404, 500, 502].map(overloadOfStatus)).toEqual([null, null, null, null]);
  });
});

describe('HostLimiter', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Resolves to whether `promise` has settled, after letting queued callbacks run. */
  const settled = async (promise: Promise<unknown>) => {
    let done = false;
    void promise.then(
      () => (done = true),
      () => (done = true),
    );
    await vi.advanceTimersByTimeAsync(0);
    return done;
  };

  it('starts low and adds about one slot per round of successes, up to the crawl concurrency', async () => {
    const limiter = new HostLimiter(4);
    expect(limiter.limit).toBe(INITIAL_HOST_CONCURRENCY);
    const a = await limiter.acquire();
    const b = await limiter.acquire();
    const third = limiter.acquire();
    expect(await settled(third)).toBe(false);
    a.end('ok');
    expect(limiter.limit).toBe(2.5);
    expect(await settled(third)).toBe(true);
    b.end('ok');
    expect(limiter.limit).toBe(3);
    for (let i = 0; i < 20; i++) (await limiter.acquire()).end('ok');
    (await third).end('ok');
    expect(limiter.limit).toBe(4);
    expect(limiter.maxReached).toBe(4);
    expect(limiter.inFlight).toBe(0);
  });

  it('halves at once on an overload, once per burst, and never below one', async () => {
    const limiter = new HostLimiter(8);
    for (let i = 0; i < 40; i++) (await limiter.acquire()).end('ok');
    expect(limiter.limit).toBe(8);
    const burst = await Promise.all(Array.from({ length: 8 }, () => limiter.acquire()));
    // Eight requests that were all in flight when the host pushed back: one cut, not eight.
    for (const t of burst) {
      t.overload();
      t.end('error');
    }
    expect(limiter.limit).toBe(4);
    vi.advanceTimersByTime(1);
    const next = await limiter.acquire();
    next.overload();
    next.end('error');
    expect(limiter.limit).toBe(2);
    for (let i = 0; i < 3; i++) {
      vi.advanceTimersByTime(1);
      const t = await limiter.acquire();
      t.overload();
      t.end('error');
    }
    expect(limiter.limit).toBe(1);
  });

  it('does not grow on errors that say nothing about load', async () => {
    const limiter = new HostLimiter(8);
    for (let i = 0; i < 10; i++) (await limiter.acquire()).end('error');
    expect(limiter.limit).toBe(INITIAL_HOST_CONCURRENCY);
  });

  it('pauses the host for a Retry-After, capped', async () => {
    const limiter = new HostLimiter(8);
    const t = await limiter.acquire();
    t.overload(3_000);
    t.end('error');
    const waiting = limiter.acquire();
    expect(await settled(waiting)).toBe(false);
    await vi.advanceTimersByTimeAsync(2_900);
    expect(await settled(waiting)).toBe(false);
    await vi.advanceTimersByTimeAsync(100);
    expect(await settled(waiting)).toBe(true);
    (await waiting).end('ok');

    const long = await limiter.acquire();
    long.overload(3_600_000);
    long.end('error');
    expect(limiter.pausedForMs).toBe(MAX_RETRY_AFTER_MS);
  });

  it('stops waiting when the request is cancelled, and gives no slot away twice', async () => {
    const limiter = new HostLimiter(1);
    const held = await limiter.acquire();
    const controller = new AbortController();
    const cancelled = limiter.acquire(controller.signal);
    const queued = limiter.acquire();
    controller.abort(new Error('cancelled'));
    await expect(cancelled).rejects.toThrow('cancelled');
    held.end('ok');
    held.end('ok');
    const next = await queued;
    expect(limiter.inFlight).toBe(1);
    expect(await settled(limiter.acquire())).toBe(false);
    next.end('ok');
  });

  it('follows a lowered concurrency setting, and starts over after sitting idle', async () => {
    const limiters = createHostLimiters();
    const limiter = limiters('docs.example:80', 8);
    for (let i = 0; i < 40; i++) (await limiter.acquire()).end('ok');
    expect(limiter.limit).toBe(8);
    expect(limiters('docs.example:80', 3)).toBe(limiter);
    expect(limiter.limit).toBe(3);
    vi.advanceTimersByTime(6 * 60_000);
    (await limiter.acquire()).end('ok');
    expect(limiter.limit).toBe(2.5);
  });
});

describe('FetchStats', () => {
  it('merges counts, the widest time span and the last limit', () => {
    const a = {
      ...newFetchStats(),
      requests: 3,
      retries: 1,
      connections: 2,
      overloads: { reset: 1 },
      maxInFlight: 2,
      limit: 2,
      firstAt: 10,
      lastAt: 20,
    };
    const b = {
      ...newFetchStats(),
      requests: 4,
      retries: 2,
      connections: 1,
      overloads: { reset: 1, 'HTTP 429': 1 },
      maxInFlight: 3,
      limit: 3,
      firstAt: 5,
      lastAt: 15,
    };
    expect(mergeFetchStats(a, b)).toEqual({
      requests: 7,
      retries: 3,
      connections: 3,
      overloads: { reset: 2, 'HTTP 429': 1 },
      maxInFlight: 3,
      limit: 3,
      firstAt: 5,
      lastAt: 20,
    });
  });
});
