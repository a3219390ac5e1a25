import type { Inngest } from 'inngest';
import type { Dispatch } from '../server/schemas/job-events';

const SEND_TIMEOUT_MS = 15_000;

/**
 * Sends job events through `client` to the executor. `inngest.send` can hang
 * forever on a port that accepts but never answers, so it is bounded.
 */
export const sendEventsWith =
  (client: Inngest.Any): Dispatch =>
  async (events) => {
    const list = Array.isArray(events) ? events : [events];
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        client.send(list),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer from the Inngest event API within ${SEND_TIMEOUT_MS / 1000} s`)), SEND_TIMEOUT_MS);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  };
