import type { SyncedFunction } from './registry';
import type { IncomingEvent } from './store';

/** What the SDK's fetch can reach in local mode: event sends and function sync. */
export type LocalRunnerEndpoint = {
  send(events: IncomingEvent[]): Promise<string[]>;
  register(functions: SyncedFunction[]): void;
};

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

async function bodyText(input: RequestInfo | URL, init?: RequestInit): Promise<string> {
  if (typeof init?.body === 'string') return init.body;
  if (init?.body) return new Response(init.body).text();
  if (input instanceof Request) return input.text();
  return '';
}

/**
 * The `fetch` given to the Inngest client in local mode. The SDK believes it
 * talks to an Inngest dev server; event sends (`/e/:key`) and the function
 * sync (`/fn/register`) reach the local runner instead. Anything else needs a
 * real Inngest server and is refused with a message saying so.
 */
export function createLocalFetch(endpoint: () => LocalRunnerEndpoint | undefined): typeof fetch {
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const runner = endpoint();
    if (!runner) return json({ error: 'The local job runner is not running in this process' }, 503);
    if (/\/e\/[^/]+$/.test(url.pathname)) {
      const payload = JSON.parse((await bodyText(input, init)) || '[]') as IncomingEvent | IncomingEvent[];
      const ids = await runner.send(Array.isArray(payload) ? payload : [payload]);
      return json({ ids, status: 200 });
    }
    if (url.pathname.endsWith('/fn/register')) {
      const payload = JSON.parse(await bodyText(input, init)) as { functions?: SyncedFunction[] };
      runner.register(payload.functions ?? []);
      return json({ ok: true, modified: true });
    }
    return json(
      { error: `${url.pathname} needs an Inngest server; the local runner does not provide it (set INNGEST_BASE_URL or INNGEST_DEV)` },
      501,
    );
  };
}
