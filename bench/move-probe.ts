// Server share of a board move's latency, with no browser: two clients subscribed to tasks.onChange on a
// 500-task board; one moves a card over HTTP; prints request → event at the other subscriber, and the answer time.

import { startCommand } from '../server/start-command';
import { startServerProcess } from '../test/helpers/server-process';
import { createArchonClient } from '../test/helpers/trpc-client';
import { percentile } from './metrics';

const args = process.argv.slice(2);
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const database = option('--database');
const MOVES = Number(option('--moves') ?? 80);
const start = startCommand();
const server = await startServerProcess(
  { ...start.env, LOG_LEVEL: 'warn', EMBEDDING_DIMENSIONS: '64', ...(database ? { DATABASE_URL: database } : {}) },
  150_000,
  start.flags,
);
try {
  const a = createArchonClient(server.url);
  const b = createArchonClient(server.url);
  const project = await a.client.projects.create.mutate({ title: 'probe' });
  const statuses = ['todo', 'doing', 'review', 'done'] as const;
  for (let n = 0; n < 500; n++) await a.client.tasks.create.mutate({ projectId: project.id, title: `Task ${n}`, status: statuses[n % 4] });
  const board = await a.client.tasks.board.query({ projectId: project.id });
  const arrivals = new Map<string, number>();
  const subs = [a, b].map((c, i) =>
    c.client.tasks.onChange.subscribe(
      { projectId: project.id, lastEventId: board.cursor },
      { onData: (e) => i === 1 && arrivals.set(`${(e.data as any).taskId ?? (e.data as any).task?.id}:${(e.data as any).id}`, performance.now()) },
    ),
  );
  await new Promise((r) => setTimeout(r, 500));
  const lat: number[] = [];
  const ans: number[] = [];
  let tasks = (await a.client.tasks.board.query({ projectId: project.id })).tasks;
  for (let i = 0; i < MOVES; i++) {
    const from = i % 2 ? 'doing' : 'todo';
    const to = i % 2 ? 'todo' : 'doing';
    const t = tasks.filter((x: any) => x.status === from)[0]!;
    const before = arrivals.size;
    const t0 = performance.now();
    const saved = await a.client.tasks.move.mutate({ id: t.id, status: to, expectedVersion: t.version });
    ans.push(performance.now() - t0);
    while (arrivals.size === before) await new Promise((r) => setImmediate(r));
    lat.push([...arrivals.values()].at(-1)! - t0);
    tasks = tasks.map((x: any) => (x.id === t.id ? { ...x, ...saved } : x));
    await new Promise((r) => setTimeout(r, 50));
  }
  const f = (v: number[]) => `p50 ${percentile(v, 0.5).toFixed(1)} / p95 ${percentile(v, 0.95).toFixed(1)} / max ${Math.max(...v).toFixed(1)} ms`;
  console.log(`${database ? 'server' : 'embedded'}: move answered ${f(ans)}; move → event at the other subscriber ${f(lat)}`);
  for (const s of subs) s.unsubscribe();
  await a.wsClient.close();
  await b.wsClient.close();
} finally {
  await server.stop('SIGKILL');
}
