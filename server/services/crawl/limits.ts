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
