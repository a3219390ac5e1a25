/** Maps with at most `limit` calls in flight, keeping the input order. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Spaces requests to one host by at least `delayMs`. Per process: in local
 * mode that is every crawl worker; with an Inngest server each app instance
 * keeps its own spacing.
 */
export function createHostPacer() {
  const nextSlot = new Map<string, number>();
  return async (host: string, delayMs: number) => {
    if (delayMs <= 0) return;
    const now = Date.now();
    const slot = Math.max(now, nextSlot.get(host) ?? 0);
    nextSlot.set(host, slot + delayMs);
    if (slot > now) await new Promise((r) => setTimeout(r, slot - now));
  };
}
