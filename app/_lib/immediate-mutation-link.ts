import { TRPCClientError, type TRPCLink } from '@trpc/client';
import type { AnyRouter } from '@trpc/server';
import { observable } from '@trpc/server/observable';
import superjson from 'superjson';

type Response = { result?: { data?: unknown }; error?: unknown };

/**
 * Mutations over HTTP, one request each, sent the moment they are called.
 * tRPC's HTTP links send from a timer (the batch link) or after awaiting the
 * headers, and an event handler's state changes render before either: a drop
 * on a 500-task board held its move's request 20–40 ms behind the render of
 * the drop. Sent at once, the request travels while the page renders.
 * The wire format is tRPC's own for a single call, so the server needs nothing.
 */
export function immediateMutationLink<TRouter extends AnyRouter>(opts: { url: string; headers: () => Record<string, string> }): TRPCLink<TRouter> {
  return () =>
    ({ op }) =>
      observable((observer) => {
        const abort = new AbortController();
        const onAbort = () => abort.abort();
        op.signal?.addEventListener('abort', onAbort, { once: true });
        let done = false;
        fetch(`${opts.url}/${op.path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...opts.headers() },
          body: op.input === undefined ? undefined : JSON.stringify(superjson.serialize(op.input)),
          signal: abort.signal,
        })
          .then(async (response) => {
            const body = (await response.json()) as Response;
            done = true;
            if (body.error !== undefined) {
              // The error shape, as TRPCClientError reads it from any link: code, message and data (the tRPC code).
              observer.error(
                TRPCClientError.from({ error: superjson.deserialize(body.error as never) } as never, { meta: { response, responseJSON: body } }),
              );
              return;
            }
            observer.next({ result: { type: 'data', data: superjson.deserialize((body.result?.data ?? { json: undefined }) as never) } });
            observer.complete();
          })
          .catch((cause: unknown) => {
            done = true;
            observer.error(TRPCClientError.from(cause instanceof Error ? cause : new Error(String(cause))));
          })
          .finally(() => op.signal?.removeEventListener('abort', onAbort));
        return () => {
          if (!done) abort.abort();
        };
      });
}
