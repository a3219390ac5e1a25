/** The longest pause between retries a provider can ask for. */
export const MAX_RETRY_AFTER_MS = 60_000;

type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/**
 * The wait the `openai` SDK derives from a response's headers, in ms:
 * `retry-after-ms`, else `retry-after` in seconds or as an HTTP date; null when
 * neither says anything (the SDK then backs off exponentially on its own).
 */
export function retryAfterMs(headers: Headers, now = Date.now()): number | null {
  const ms = parseFloat(headers.get('retry-after-ms') ?? '');
  if (ms) return ms; // 0 falls through to retry-after, as in the SDK
  const header = headers.get('retry-after');
  if (!header) return Number.isNaN(ms) ? null : ms;
  const seconds = parseFloat(header);
  if (!Number.isNaN(seconds)) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : date - now;
}

/**
 * Wraps fetch so no response asks for more than `maxMs` before the next retry.
 * The SDK obeys retry-after without an upper bound, so one provider answering
 * "retry-after: 86400" would stall a batch (and the job holding it) for a day.
 */
export function capRetryAfter(fetchImpl: Fetch = globalThis.fetch, maxMs = MAX_RETRY_AFTER_MS): Fetch {
  return async (input, init) => {
    const res = await fetchImpl(input, init);
    if (res.ok) return res;
    const wait = retryAfterMs(res.headers);
    if (wait === null || wait <= maxMs) return res;
    const headers = new Headers(res.headers);
    headers.delete('retry-after');
    headers.set('retry-after-ms', String(maxMs));
    return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
  };
}
