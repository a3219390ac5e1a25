import type { Page } from 'playwright-core';

export type PageEvent = { id: number; createdAt: number; seenAt: number };

/**
 * Records, in the page, when each event row of a job's log is first in the DOM,
 * at the next animation frame (the frame that paints it), on the page's own
 * clock (performance.timeOrigin + performance.now()). Call before navigating.
 */
export async function recordLogRows(page: Page) {
  // A string, not a function: run through tsx (the benchmarks), a function's named inner consts are wrapped in a
  // helper (__name) the page does not have, and the script fails silently.
  await page.addInitScript(`(() => {
    window.__rows = new Map();
    const seen = (el, at) => {
      const id = Number(el.getAttribute('data-event-id'));
      if (!window.__rows.has(id)) window.__rows.set(id, { createdAt: Number(el.getAttribute('data-created-at')), seenAt: at });
    };
    new MutationObserver((records) => {
      const added = [];
      for (const r of records)
        for (const n of r.addedNodes)
          if (n instanceof Element) {
            if (n.hasAttribute('data-event-id')) added.push(n);
            added.push(...n.querySelectorAll('[data-event-id]'));
          }
      if (added.length)
        requestAnimationFrame(() => {
          const at = performance.timeOrigin + performance.now();
          for (const el of added) seen(el, at);
        });
    }).observe(document, { childList: true, subtree: true });
  })()`);
  return {
    rows: () =>
      page.evaluate(() =>
        [...(window as unknown as { __rows: Map<number, { createdAt: number; seenAt: number }> }).__rows.entries()].map(([id, r]) => ({ id, ...r })),
      ) as Promise<PageEvent[]>,
  };
}

/**
 * The server's clock minus the page's, from system.info called by the page
 * itself: the best of several round trips, the server's time taken as read
 * at the middle of the trip (error at most half the shortest trip).
 */
export async function clockOffset(page: Page): Promise<{ offset: number; rtt: number }> {
  return page.evaluate(async () => {
    let best = { offset: 0, rtt: Number.POSITIVE_INFINITY };
    for (let i = 0; i < 15; i++) {
      const t0 = performance.timeOrigin + performance.now();
      const body = await (await fetch('/api/trpc/system.info')).json();
      const t1 = performance.timeOrigin + performance.now();
      const server = Date.parse(body.result.data.json.serverTime);
      if (t1 - t0 < best.rtt) best = { offset: server - (t0 + t1) / 2, rtt: t1 - t0 };
    }
    return best;
  });
}
