import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { JSONRPCMessage, Progress } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import type { JobProgress, McpBackend } from '../../server/mcp/backend';
import { followJob } from '../../server/mcp/progress';
import type { ToolContext } from '../../server/mcp/tool';
import type { Job } from '../../server/services/jobs/jobs';

// followJob (server/mcp/progress.ts) against a backend whose job is quiet for a while, and a client that stops waiting.

const state = (status: JobProgress['status'], pagesFetched: number): JobProgress => ({
  id: 'job-1',
  status,
  pagesDiscovered: 3,
  pagesFetched,
  pagesSkipped: 0,
  pagesFailed: 0,
  chunksStored: pagesFetched * 2,
  embeddingsDone: 0,
  embeddingsFailed: 0,
  error: null,
});
const job = (s: JobProgress) => ({ ...s, kind: 'crawl', sourceId: 's', input: {}, createdAt: new Date(), finishedAt: null }) as unknown as Job;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function fakeContext(opts: { quietMs: number; abort?: { afterMs: number; reason: unknown }; transport?: 'http' | 'stdio' }) {
  const sent: { progress: number; total?: number }[] = [];
  const cancelled: string[] = [];
  const controller = new AbortController();
  let current = state('running', 1);
  const backend = {
    async *watchJob(_id: string, signal: AbortSignal) {
      yield current;
      await Promise.race([sleep(opts.quietMs), new Promise((r) => signal.addEventListener('abort', r))]);
      if (signal.aborted) return;
      current = state('completed', 3);
      yield current;
    },
    cancelJob: async ({ id }: { id: string }) => {
      cancelled.push(id);
      current = state('cancelled', current.pagesFetched);
      return job(current);
    },
    getJob: async () => job(current),
  } as unknown as McpBackend;
  const ctx = {
    backend,
    extra: {
      signal: controller.signal,
      _meta: { progressToken: 'p' },
      sendNotification: async (n: { params: { progress: number; total?: number } }) => {
        sent.push({ progress: n.params.progress, total: n.params.total });
      },
    },
    session: { transport: opts.transport ?? 'stdio', mode: 'local', idleTimeoutSeconds: null },
    progressHeartbeatMs: 100,
  } as unknown as ToolContext;
  if (opts.abort) setTimeout(() => controller.abort(opts.abort!.reason), opts.abort.afterMs);
  return { ctx, sent, cancelled };
}

describe('followJob', () => {
  it('sends progress through a quiet stretch, still rising, and ends at the total', async () => {
    const { ctx, sent } = fakeContext({ quietMs: 650 });
    const out = await followJob(ctx, job(state('running', 1)), undefined);
    expect(out.data.job.status).toBe('completed');
    const heartbeats = sent.filter((p) => !Number.isInteger(p.progress));
    expect(heartbeats.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < sent.length; i++) expect(sent[i]!.progress).toBeGreaterThan(sent[i - 1]!.progress);
    for (const p of sent) expect(p.total!).toBeGreaterThanOrEqual(p.progress);
    expect(sent.at(-1)!.progress).toBe(sent.at(-1)!.total);
  });

  it("leaves a wait=true job running when the client's request only timed out", async () => {
    const { ctx, cancelled } = fakeContext({ quietMs: 5_000, abort: { afterMs: 150, reason: 'McpError: MCP error -32001: Request timed out' } });
    const out = await followJob(ctx, job(state('running', 1)), true);
    expect(cancelled).toEqual([]);
    expect(out.data.note).toMatch(/the job goes on in the background/);
  });

  it('cancels a wait=true job when the client cancels on purpose, with or without a reason', async () => {
    for (const reason of ['user pressed stop', undefined]) {
      const { ctx, cancelled } = fakeContext({ quietMs: 5_000, abort: { afterMs: 150, reason } });
      const out = await followJob(ctx, job(state('running', 1)), true);
      expect(cancelled, String(reason)).toEqual(['job-1']);
      expect(out.data.note).toBe('The call was cancelled, and so was the job.');
    }
  });
});

describe('the last progress notification', () => {
  it('reaches an SDK client that reads it in one chunk with what follows (the CI flake of 5 December)', async () => {
    const server = new McpServer({ name: 'progress-test', version: '1' });
    server.registerTool('follow', { description: 'waits for a job' }, async (extra) => {
      const { ctx } = fakeContext({ quietMs: 50 });
      const out = await followJob({ ...ctx, extra } as ToolContext, job(state('running', 1)), undefined);
      return { content: [{ type: 'text', text: out.text }] };
    });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    const client = new Client({ name: 'chunked', version: '1' });
    await client.connect(clientSide);
    // A pipe under load: notifications wait for the next message and arrive with it, in one read.
    const deliver = clientSide.onmessage!;
    const held: JSONRPCMessage[] = [];
    clientSide.onmessage = (message, extra) => {
      if (!('id' in message)) return void held.push(message);
      for (const m of held.splice(0)) deliver(m, extra);
      deliver(message, extra);
    };
    const progress: Progress[] = [];
    await client.callTool({ name: 'follow', arguments: {} }, undefined, { onprogress: (p) => progress.push(p) });
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress.at(-1)!.progress).toBe(progress.at(-1)!.total);
    await client.close();
  });

  it('is not followed by a ping over HTTP, whose answer could reach another process', async () => {
    for (const transport of ['http', 'stdio'] as const) {
      const { ctx } = fakeContext({ quietMs: 50, transport });
      const requests: string[] = [];
      const extra = { ...ctx.extra, sendRequest: async (r: { method: string }) => void requests.push(r.method) };
      await followJob({ ...ctx, extra } as unknown as ToolContext, job(state('running', 1)), undefined);
      expect(requests, transport).toEqual(transport === 'stdio' ? ['ping'] : []);
    }
  });
});
