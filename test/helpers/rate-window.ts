import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Rate limits count in fixed windows. A test that fills a window and expects
 * the next call refused would pass by luck if the window turned over midway,
 * so it first waits out the end of a window that has less than `needMs` left.
 */
export async function clearOfWindowEdge(windowMs: number, needMs: number): Promise<void> {
  const left = windowMs - (Date.now() % windowMs);
  if (left < needMs) await sleep(left + 50);
}
