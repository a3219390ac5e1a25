import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServerDatabase, testDbKind } from '../helpers/db';
import { type ServerProcess, startServerProcess } from '../helpers/server-process';
import { createArchonClient, createArchonWsClient } from '../helpers/trpc-client';
import { waitFor } from '../helpers/wait';

type Received = { id: string; kind: string; title?: string };

let server: ServerProcess;
let dropDb: (() => Promise<void>) | undefined;

beforeAll(async () => {
  const env: Record<string, string> = {};
  if (testDbKind() === 'postgres') {
    const db = await createServerDatabase();
    env.DATABASE_URL = db.url;
    dropDb = db.drop;
  }
  server = await startServerProcess(env);
});

afterAll(async () => {
  await server?.stop();
  await dropDb?.();
});

describe('the real server', () => {
  it('reports health with database mode and migration state', async () => {
    const res = await fetch(`${server.url}/api/health`);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({
      status: 'ok',
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      database: { mode: testDbKind() === 'postgres' ? 'postgres' : 'embedded', reachable: true },
      migrations: { current: true, pending: [] },
    });
    expect(body.database.pgvector).toMatch(/^0\.\d+/);
  });

  it('serves the dashboard page', async () => {
    const res = await fetch(server.url);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Archon');
  });

  it('answers tRPC over HTTP and over WebSocket, with clear errors', async () => {
    const { client, wsClient } = createArchonClient(server.url);
    const ws = createArchonWsClient(server.url);
    try {
      const project = await client.projects.create.mutate({ title: 'E2E project' });
      expect(project.createdAt).toBeInstanceOf(Date);
      const viaWs = await ws.client.projects.byId.query({ id: project.id });
      expect(viaWs.title).toBe('E2E project');
      await expect(client.projects.create.mutate({ title: '' })).rejects.toMatchObject({
        data: { code: 'BAD_REQUEST', httpStatus: 400, fieldErrors: { title: ['must not be empty'] } },
      });
      await expect(ws.client.tasks.byId.query({ id: project.id })).rejects.toMatchObject({
        data: { code: 'NOT_FOUND' },
      });
    } finally {
      await wsClient.close();
      await ws.wsClient.close();
    }
  });

  it('streams task changes live to another dashboard and resumes after a reconnect without gaps or duplicates', async () => {
    const a = createArchonClient(server.url);
    const b = createArchonClient(server.url, { retryDelayMs: () => 300 });
    try {
      const project = await a.client.projects.create.mutate({ title: 'Live board' });
      const received: Received[] = [];
      let lastEventId: string | undefined;
      let subscribed = false;
      const sub = b.client.tasks.onChange.subscribe(
        { projectId: project.id },
        {
          onStarted: () => (subscribed = true),
          onData: (evt) => {
            lastEventId = evt.id;
            const task = (evt.data.payload as { task?: { title: string } }).task;
            received.push({ id: evt.id, kind: evt.data.kind, title: task?.title });
          },
        },
      );
      // The subscription starts from "now": the server says started once its cursor is set.
      await waitFor(() => subscribed, 10_000, 'subscription started');

      const started = Date.now();
      await a.client.tasks.create.mutate({ projectId: project.id, title: 'first' });
      await waitFor(() => received.some((r) => r.title === 'first'), 6_000, 'first event');
      // Pushed by the notification: the stream's safety poll, 5 s after it started, would come later.
      expect(Date.now() - started).toBeLessThan(3_500);

      // Drop B's socket; write while it is away; the client reconnects and resumes from lastEventId.
      const before = lastEventId;
      b.wsClient.connection!.ws.close();
      for (const title of ['second', 'third', 'fourth']) {
        await a.client.tasks.create.mutate({ projectId: project.id, title });
      }
      await waitFor(() => received.some((r) => r.title === 'fourth'), 10_000, 'resumed events');
      await a.client.tasks.create.mutate({ projectId: project.id, title: 'fifth' });
      await waitFor(() => received.some((r) => r.title === 'fifth'), 5_000, 'live after resume');
      sub.unsubscribe();

      expect(before).toBeDefined();
      expect(received.map((r) => r.title)).toEqual(['first', 'second', 'third', 'fourth', 'fifth']);
      const ids = received.map((r) => Number(r.id));
      expect([...ids].sort((x, y) => x - y)).toEqual(ids);
      expect(new Set(ids).size).toBe(ids.length);

      // A brand-new subscription with lastEventId replays exactly what followed it.
      const replayed: string[] = [];
      const sub2 = a.client.tasks.onChange.subscribe(
        { projectId: project.id, lastEventId: received[1]!.id },
        { onData: (evt) => replayed.push((evt.data.payload as { task: { title: string } }).task.title) },
      );
      await waitFor(() => replayed.length >= 3, 5_000, 'replay');
      sub2.unsubscribe();
      expect(replayed).toEqual(['third', 'fourth', 'fifth']);
    } finally {
      await a.wsClient.close();
      await b.wsClient.close();
    }
  });
});
