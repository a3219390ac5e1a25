/**
 * Adaptive concurrency per host. A small server shows it is overloaded by
 * refusing or resetting connections, timing out, answering 429 or 503, or by
 * a connect that takes a SYN retransmit (about a second: Linux drops the SYN
 * when the accept queue is full rather than refusing it). On any of these the
 * host's limit is halved at once; each success adds about one slot per round
 * of requests (additive increase, multiplicative decrease). A Retry-After
 * pauses every request to the host until then, capped.
 */

/** What made a request count as an overload signal. */
export type OverloadKind = 'refused' | 'reset' | 'timeout' | 'slow connect' | 'HTTP 429' | 'HTTP 503';

/** A connect this slow has waited for a SYN retransmit: the server's accept queue was full. */
export const SLOW_CONNECT_MS = 900;
/** The longest a Retry-After may pause a host. */
export const MAX_RETRY_AFTER_MS = 60_000;
/** Where a host's concurrency starts, and where it falls back to after sitting idle. */
export const INITIAL_HOST_CONCURRENCY = 2;
// A host idle this long starts over: what it could take an hour ago says little about now.
const IDLE_RESET_MS = 5 * 60_000;

/** What a crawl saw while fetching, for its job log. */
export type FetchStats = {
  /** Requests sent, retries included. */
  requests: number;
  /** Requests sent again after an overload. */
  retries: number;
  /** New connections opened (kept-alive ones reused are not counted). */
  connections: number;
  overloads: Partial<Record<OverloadKind, number>>;
  /** The most requests in flight to one host at once, and that host's limit at the last request. */
  maxInFlight: number;
  limit: number;
  /** When the first request was sent and the last one ended (ms since the epoch). */
  firstAt: number;
  lastAt: number;
};

export const newFetchStats = (): FetchStats => ({
  requests: 0,
  retries: 0,
  connections: 0,
  overloads: {},
  maxInFlight: 0,
  limit: 0,
  firstAt: 0,
  lastAt: 0,
});

export function mergeFetchStats(into: FetchStats, from: FetchStats): FetchStats {
  into.requests += from.requests;
  into.retries += from.retries;
  into.connections += from.connections;
  for (const [kind, n] of Object.entries(from.overloads) as [OverloadKind, number][]) into.overloads[kind] = (into.overloads[kind] ?? 0) + n;
  into.maxInFlight = Math.max(into.maxInFlight, from.maxInFlight);
  if (from.limit) into.limit = from.limit;
  if (from.firstAt && (!into.firstAt || from.firstAt < into.firstAt)) into.firstAt = from.firstAt;
  into.lastAt = Math.max(into.lastAt, from.lastAt);
  return into;
}

/**
 * Retry-After as milliseconds from `now`: delta-seconds or an HTTP-date,
 * capped at MAX_RETRY_AFTER_MS; null when absent or unreadable. A date in the
 * past means now (0).
 */
export function parseRetryAfter(value: string | undefined | null, now = Date.now()): number | null {
  const text = value?.trim();
  if (!text) return null;
  if (/^\d+$/.test(text)) return Math.min(Number(text) * 1000, MAX_RETRY_AFTER_MS);
  // Date.parse reads almost anything ("1.5" is a year); an HTTP-date has a weekday or month name and a time.
  if (!/[a-z]/i.test(text) || !/\d{1,2}:\d{2}:\d{2}/.test(text)) return null;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.min(Math.max(0, at - now), MAX_RETRY_AFTER_MS);
}

/** The overload an error shows, or null when it says nothing about the server's load. */
export function overloadOfError(err: unknown): OverloadKind | null {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'reset';
  if (code === 'ETIMEDOUT') return 'timeout';
  return null;
}

export const overloadOfStatus = (status: number): OverloadKind | null => (status === 429 ? 'HTTP 429' : status === 503 ? 'HTTP 503' : null);

/** One request's hold on a slot; `end` is idempotent. */
export type HostTicket = {
  readonly startedAt: number;
  /** Signals an overload without giving the slot back (a slow connect whose request goes on). */
  overload(retryAfterMs?: number | null): void;
  end(outcome: 'ok' | 'error'): void;
};

type Waiter = { resolve: () => void; reject: (reason: unknown) => void; signal?: AbortSignal; onAbort?: () => void };

export class HostLimiter {
  limit = INITIAL_HOST_CONCURRENCY;
  max: number;
  inFlight = 0;
  /** The highest whole limit reached. */
  maxReached = INITIAL_HOST_CONCURRENCY;
  lastUsed = Date.now();
  #waiters: Waiter[] = [];
  #pausedUntil = 0;
  // Requests are numbered as they start; a cut remembers the last number it saw.
  #started = 0;
  #lastCut = 0;
  #timer: NodeJS.Timeout | null = null;

  constructor(
    max = 8,
    private readonly now: () => number = Date.now,
  ) {
    this.max = Math.max(1, max);
    this.limit = Math.min(this.limit, this.max);
    this.maxReached = Math.floor(this.limit);
  }

  /** Lowers or raises the ceiling: the crawl's concurrency setting. */
  setMax(max: number): void {
    this.max = Math.max(1, Math.floor(max));
    if (this.limit > this.max) this.limit = this.max;
    this.#wake();
  }

  get pausedForMs(): number {
    return Math.max(0, this.#pausedUntil - this.now());
  }

  #hasRoom(): boolean {
    return this.inFlight < Math.floor(this.limit) && this.now() >= this.#pausedUntil;
  }

  /** Waits for a slot (and for any Retry-After pause to end); rejects with the signal's reason when it aborts first. */
  async acquire(signal?: AbortSignal): Promise<HostTicket> {
    if (signal?.aborted) throw signal.reason;
    if (this.inFlight === 0 && this.#waiters.length === 0 && this.now() - this.lastUsed > IDLE_RESET_MS) {
      this.limit = Math.min(INITIAL_HOST_CONCURRENCY, this.max);
    }
    if (this.#hasRoom() && this.#waiters.length === 0) {
      this.inFlight++;
    } else {
      // #wake counts the slot in inFlight when it hands it over.
      await new Promise<void>((resolve, reject) => {
        const waiter: Waiter = { resolve, reject, signal };
        if (signal) {
          waiter.onAbort = () => {
            this.#waiters = this.#waiters.filter((w) => w !== waiter);
            reject(signal.reason);
          };
          signal.addEventListener('abort', waiter.onAbort, { once: true });
        }
        this.#waiters.push(waiter);
        this.#wake();
      });
    }
    this.lastUsed = this.now();
    const startedAt = this.now();
    const seq = ++this.#started;
    let ended = false;
    return {
      startedAt,
      overload: (retryAfterMs) => this.#overload(seq, retryAfterMs),
      end: (outcome) => {
        if (ended) return;
        ended = true;
        this.inFlight--;
        this.lastUsed = this.now();
        if (outcome === 'ok') this.#succeeded();
        this.#wake();
      },
    };
  }

  #succeeded(): void {
    this.limit = Math.min(this.max, this.limit + 1 / Math.floor(this.limit));
    this.maxReached = Math.max(this.maxReached, Math.floor(this.limit));
  }

  // Requests started before the last cut saw the old limit: a burst of their failures cuts once, not once each.
  #overload(seq: number, retryAfterMs?: number | null): void {
    if (seq > this.#lastCut) {
      this.limit = Math.max(1, Math.floor(this.limit / 2));
      this.#lastCut = this.#started;
    }
    if (retryAfterMs && retryAfterMs > 0) {
      this.#pausedUntil = Math.max(this.#pausedUntil, this.now() + Math.min(retryAfterMs, MAX_RETRY_AFTER_MS));
    }
  }

  #wake(): void {
    const wait = this.#pausedUntil - this.now();
    if (wait > 0) {
      if (this.#waiters.length && !this.#timer) {
        this.#timer = setTimeout(() => {
          this.#timer = null;
          this.#wake();
        }, wait);
      }
      return;
    }
    // Slots are handed out here, counted before the woken requests run, so none is given twice.
    let free = Math.floor(this.limit) - this.inFlight;
    while (free > 0 && this.#waiters.length) {
      const waiter = this.#waiters.shift()!;
      if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
      this.inFlight++;
      free--;
      waiter.resolve();
    }
  }
}

/**
 * Limiters by host, shared by every crawl in this process (two crawls of one
 * site share its limit). With an Inngest server, each app instance keeps its own.
 */
export function createHostLimiters(now: () => number = Date.now) {
  const byHost = new Map<string, HostLimiter>();
  return (host: string, max: number): HostLimiter => {
    let limiter = byHost.get(host);
    if (!limiter) {
      // Forget idle hosts now and then, so a long-running server does not keep one per site it ever crawled.
      if (byHost.size >= 1000) {
        for (const [key, l] of byHost) if (l.inFlight === 0 && now() - l.lastUsed > IDLE_RESET_MS) byHost.delete(key);
      }
      limiter = new HostLimiter(max, now);
      byHost.set(host, limiter);
    } else if (limiter.max !== Math.max(1, Math.floor(max))) {
      limiter.setMax(max);
    }
    return limiter;
  };
}
