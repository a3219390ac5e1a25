import { createTRPCClient, httpBatchLink, isTRPCClientError } from '@trpc/client';
import superjson from 'superjson';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { immediateMutationLink } from '../../app/_lib/immediate-mutation-link';
import type { AppRouter } from '../../server/routers/_app';

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

afterEach(() => vi.unstubAllGlobals());

describe('immediateMutationLink', () => {
  it('sends a mutation before the caller returns, as tRPC sends one call, and reads its answer', async () => {
    const calls: { url: string; init: RequestInit }[] = [];
    vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
      calls.push({ url, init });
      return json({ result: { data: superjson.serialize({ id: 't1', when: new Date('2026-12-05T00:00:00Z') }) } });
    });
    const client = createTRPCClient<AppRouter>({
      links: [immediateMutationLink<AppRouter>({ url: '/api/trpc', headers: () => ({ 'x-csrf-token': 'tok' }) })],
    });
    const pending = client.tasks.move.mutate({ id: 't1', status: 'doing', expectedVersion: 3 });
    // Nothing awaited yet: the request is already out, so a render the caller starts next cannot hold it back.
    expect(calls).toHaveLength(1);
    expect(calls[0]!.url).toBe('/api/trpc/tasks.move');
    expect(calls[0]!.init.method).toBe('POST');
    expect(calls[0]!.init.headers).toMatchObject({ 'content-type': 'application/json', 'x-csrf-token': 'tok' });
    expect(superjson.deserialize(JSON.parse(String(calls[0]!.init.body)))).toEqual({ id: 't1', status: 'doing', expectedVersion: 3 });
    const saved = (await pending) as unknown as { id: string; when: Date };
    expect(saved.when).toBeInstanceOf(Date); // superjson's types come back
  });

  it("turns the server's refusal into the TRPCClientError any link gives, with its code", async () => {
    vi.stubGlobal('fetch', async () =>
      json({ error: superjson.serialize({ message: 'Task changed meanwhile', code: -32009, data: { code: 'CONFLICT', httpStatus: 409 } }) }, 409),
    );
    const client = createTRPCClient<AppRouter>({ links: [immediateMutationLink<AppRouter>({ url: '/api/trpc', headers: () => ({}) })] });
    const err = await client.tasks.move.mutate({ id: 't1', status: 'doing' }).catch((e: unknown) => e);
    expect(isTRPCClientError(err)).toBe(true);
    expect((err as { data?: { code?: string } }).data?.code).toBe('CONFLICT');
    expect((err as Error).message).toBe('Task changed meanwhile');
  });

  it('fails clearly on an answer that is not JSON (a proxy error page) or no answer at all', async () => {
    vi.stubGlobal('fetch', async () => new Response('<html>502 Bad Gateway</html>', { status: 502 }));
    const client = createTRPCClient<AppRouter>({ links: [immediateMutationLink<AppRouter>({ url: '/api/trpc', headers: () => ({}) })] });
    await expect(client.tasks.move.mutate({ id: 't1', status: 'doing' })).rejects.toSatisfy(isTRPCClientError);
    vi.stubGlobal('fetch', async () => {
      throw new TypeError('Failed to fetch');
    });
    await expect(client.tasks.move.mutate({ id: 't1', status: 'doing' })).rejects.toThrow('Failed to fetch');
  });

  it("is what tRPC's batch link is not: that one sends only from a timer", async () => {
    const calls: string[] = [];
    vi.stubGlobal('fetch', async (url: string) => {
      calls.push(url);
      return json([{ result: { data: superjson.serialize({ id: 't1' }) } }]);
    });
    const client = createTRPCClient<AppRouter>({ links: [httpBatchLink<AppRouter>({ url: '/api/trpc', transformer: superjson })] });
    const pending = client.tasks.move.mutate({ id: 't1', status: 'doing' });
    expect(calls).toHaveLength(0);
    await pending;
    expect(calls).toHaveLength(1);
  });
});
