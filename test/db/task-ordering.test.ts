import { randomUUID } from 'node:crypto';
import { and, asc, eq, gt } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { taskEvents } from '../../db/schema';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';

type Status = 'todo' | 'doing' | 'review' | 'done';
type Move = { id: string; status: Status; afterId?: string; beforeId?: string };
type Board = Record<Status, string[]>;

let rt: TestRuntime;
beforeAll(async () => {
  rt = await createTestRuntime({ poolMax: 8 });
});
afterAll(async () => {
  await rt?.close();
});

const newProject = async () => (await rt.caller.projects.create({ title: 'Ordering' })).id;
const mk = (projectId: string, title: string, status: Status = 'todo') => rt.caller.tasks.create({ projectId, title, status });

async function rows(projectId: string) {
  const { items, total } = await rt.caller.tasks.list({ projectId, limit: 200 });
  expect(items.length).toBe(total);
  return items;
}

async function board(projectId: string): Promise<Board> {
  const out: Board = { todo: [], doing: [], review: [], done: [] };
  for (const t of await rows(projectId)) out[t.status].push(t.id);
  return out;
}

async function titles(projectId: string, status: Status) {
  return (await rt.caller.tasks.list({ projectId, status, limit: 200 })).items.map((t) => t.title);
}

async function expectStrictlyIncreasingPositions(projectId: string) {
  const byStatus = new Map<string, number[]>();
  for (const t of await rows(projectId)) byStatus.set(t.status, [...(byStatus.get(t.status) ?? []), t.position]);
  for (const positions of byStatus.values()) {
    for (let i = 1; i < positions.length; i++) expect(positions[i]!).toBeGreaterThan(positions[i - 1]!);
  }
}

async function latestEventId(projectId: string): Promise<number> {
  const events = await rt.database.db.select({ id: taskEvents.id }).from(taskEvents).where(eq(taskEvents.projectId, projectId));
  return Math.max(0, ...events.map((e) => e.id));
}

async function eventsSince(projectId: string, after: number, kind: string) {
  return rt.database.db
    .select()
    .from(taskEvents)
    .where(and(eq(taskEvents.projectId, projectId), eq(taskEvents.kind, kind), gt(taskEvents.id, after)))
    .orderBy(asc(taskEvents.id));
}

function mulberry32(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function applyMove(b: Board, mv: Move): boolean {
  const anchor = mv.afterId ?? mv.beforeId;
  const target = b[mv.status].filter((id) => id !== mv.id);
  let index = target.length;
  if (anchor) {
    const at = target.indexOf(anchor);
    if (at < 0) return false;
    index = mv.afterId ? at + 1 : at;
  }
  for (const s of Object.keys(b) as Status[]) b[s] = b[s].filter((id) => id !== mv.id);
  target.splice(index, 0, mv.id);
  b[mv.status] = target;
  return true;
}

describe('moving a task within and between columns', () => {
  it('drops a task after a task, before a task, or at the end', async () => {
    const projectId = await newProject();
    const [a, , c, d] = [await mk(projectId, 'A'), await mk(projectId, 'B'), await mk(projectId, 'C'), await mk(projectId, 'D')];
    const moved = await rt.caller.tasks.move({ id: d!.id, status: 'todo', afterId: a!.id });
    expect(moved).toMatchObject({ status: 'todo', version: 2 });
    expect(await titles(projectId, 'todo')).toEqual(['A', 'D', 'B', 'C']);
    await rt.caller.tasks.move({ id: a!.id, status: 'todo', beforeId: c!.id });
    expect(await titles(projectId, 'todo')).toEqual(['D', 'B', 'A', 'C']);
    await rt.caller.tasks.move({ id: d!.id, status: 'todo' });
    expect(await titles(projectId, 'todo')).toEqual(['B', 'A', 'C', 'D']);
    await rt.caller.tasks.move({ id: d!.id, status: 'todo', beforeId: (await rows(projectId))[0]!.id });
    expect(await titles(projectId, 'todo')).toEqual(['D', 'B', 'A', 'C']);
    await expectStrictlyIncreasingPositions(projectId);
  });

  it('moves tasks into another column next to a task there, or into an empty column', async () => {
    const projectId = await newProject();
    const a = await mk(projectId, 'A');
    const b = await mk(projectId, 'B');
    const x = await mk(projectId, 'X', 'doing');
    await mk(projectId, 'Y', 'doing');
    await rt.caller.tasks.move({ id: a.id, status: 'doing', afterId: x.id });
    expect(await titles(projectId, 'doing')).toEqual(['X', 'A', 'Y']);
    expect(await titles(projectId, 'todo')).toEqual(['B']);
    await rt.caller.tasks.move({ id: b.id, status: 'review' });
    expect(await titles(projectId, 'review')).toEqual(['B']);
    expect(await titles(projectId, 'todo')).toEqual([]);
    await rt.caller.tasks.move({ id: x.id, status: 'review', beforeId: b.id });
    expect(await titles(projectId, 'review')).toEqual(['X', 'B']);
    expect(await titles(projectId, 'doing')).toEqual(['A', 'Y']);
    expect(await rt.caller.tasks.counts({ projectId })).toEqual({ [projectId]: { todo: 0, doing: 2, review: 2, done: 0 } });
  });

  it('refuses to place a task next to itself', async () => {
    const projectId = await newProject();
    const a = await mk(projectId, 'A');
    await mk(projectId, 'B');
    await expect(rt.caller.tasks.move({ id: a.id, status: 'todo', afterId: a.id })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(rt.caller.tasks.move({ id: a.id, status: 'doing', beforeId: a.id })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(await rt.caller.tasks.byId({ id: a.id })).toMatchObject({ status: 'todo', version: 1, position: a.position });
  });

  it('answers CONFLICT when the anchor is not in the target column, and changes nothing', async () => {
    const p1 = await newProject();
    const p2 = await newProject();
    const a = await mk(p1, 'A');
    const inDoing = await mk(p1, 'In doing', 'doing');
    const archived = await mk(p1, 'Archived');
    await rt.caller.tasks.archive({ id: archived.id });
    const foreign = await mk(p2, 'Foreign');
    for (const afterId of [inDoing.id, archived.id, foreign.id, randomUUID()]) {
      await expect(rt.caller.tasks.move({ id: a.id, status: 'todo', afterId })).rejects.toMatchObject({ code: 'CONFLICT' });
    }
    await expect(rt.caller.tasks.move({ id: a.id, status: 'review', beforeId: inDoing.id })).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    expect(await rt.caller.tasks.byId({ id: a.id })).toMatchObject({ status: 'todo', version: 1, position: a.position });
  });

  it('answers CONFLICT for a stale expectedVersion', async () => {
    const projectId = await newProject();
    const a = await mk(projectId, 'A');
    await rt.caller.tasks.update({ id: a.id, title: 'A2' });
    await expect(rt.caller.tasks.move({ id: a.id, status: 'done', expectedVersion: 1 })).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    expect((await rt.caller.tasks.move({ id: a.id, status: 'done', expectedVersion: 2 })).version).toBe(3);
  });
});

describe('renumbering', () => {
  it('renumbers the column when repeated drops into one slot close the gap', async () => {
    const projectId = await newProject();
    const first = await mk(projectId, 'First');
    await mk(projectId, 'Last');
    const before = await latestEventId(projectId);
    const dropped: string[] = [];
    for (let i = 1; i <= 30; i++) {
      const t = await mk(projectId, `N${i}`);
      await rt.caller.tasks.move({ id: t.id, status: 'todo', afterId: first.id });
      dropped.unshift(`N${i}`);
    }
    expect(await titles(projectId, 'todo')).toEqual(['First', ...dropped, 'Last']);
    await expectStrictlyIncreasingPositions(projectId);
    const reordered = await eventsSince(projectId, before, 'reordered');
    expect(reordered.length).toBeGreaterThanOrEqual(2);
    const lastOrder = (reordered.at(-1)!.payload as { order: { id: string }[] }).order;
    expect(lastOrder.length).toBeGreaterThan(2);
  });
});

describe('concurrent drag and drop', () => {
  async function seedBoard(projectId: string) {
    for (let i = 0; i < 12; i++) await mk(projectId, `T${i}`);
    for (let i = 0; i < 8; i++) await mk(projectId, `D${i}`, 'doing');
    return board(projectId);
  }

  function randomMoves(initial: Board, seed: number): Move[] {
    const rand = mulberry32(seed);
    const ids = [...initial.todo, ...initial.doing];
    for (let i = ids.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [ids[i], ids[j]] = [ids[j]!, ids[i]!];
    }
    const statuses: Status[] = ['todo', 'doing', 'review'];
    return ids.map((id) => {
      const status = statuses[Math.floor(rand() * statuses.length)]!;
      const candidates = initial[status].filter((c) => c !== id);
      if (candidates.length === 0 || rand() < 0.2) return { id, status };
      const anchor = candidates[Math.floor(rand() * candidates.length)]!;
      return rand() < 0.5 ? { id, status, afterId: anchor } : { id, status, beforeId: anchor };
    });
  }

  it.each([1, 2, 3])('keeps a board consistent with a serial order of 20 simultaneous moves (seed %i)', async (seed) => {
    const projectId = await newProject();
    const initial = await seedBoard(projectId);
    const moves = randomMoves(initial, seed);
    const start = await latestEventId(projectId);

    const results = await Promise.allSettled(moves.map((mv) => rt.caller.tasks.move(mv)));

    const ok = moves.filter((_, i) => results[i]!.status === 'fulfilled');
    const failed = moves.filter((_, i) => results[i]!.status === 'rejected');
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'CONFLICT' });
    results.forEach((r, i) => {
      if (r.status === 'fulfilled') expect(r.value.status).toBe(moves[i]!.status);
    });

    const moved = await eventsSince(projectId, start, 'moved');
    expect(moved.map((e) => e.taskId).sort()).toEqual(ok.map((m) => m.id).sort());

    const model: Board = structuredClone(initial);
    const history: Board[] = [structuredClone(model)];
    for (const e of moved) {
      expect(applyMove(model, ok.find((m) => m.id === e.taskId)!)).toBe(true);
      history.push(structuredClone(model));
    }
    for (const f of failed) {
      const anchor = f.afterId ?? f.beforeId;
      expect(anchor).toBeDefined();
      expect(history.some((b) => !b[f.status].includes(anchor!))).toBe(true);
    }

    const actual = await board(projectId);
    expect(actual).toEqual(model);
    expect(Object.values(actual).flat().sort()).toEqual([...initial.todo, ...initial.doing].sort());
    await expectStrictlyIncreasingPositions(projectId);
  });

  it('keeps every task when 20 tasks are dropped after the same task at once', async () => {
    const projectId = await newProject();
    const first = await mk(projectId, 'First');
    const last = await mk(projectId, 'Last');
    const incoming: string[] = [];
    for (let i = 0; i < 20; i++) incoming.push((await mk(projectId, `In${i}`, i % 2 ? 'doing' : 'review')).id);
    const start = await latestEventId(projectId);

    const results = await Promise.allSettled(incoming.map((id) => rt.caller.tasks.move({ id, status: 'todo', afterId: first.id })));
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);

    const moved = await eventsSince(projectId, start, 'moved');
    const serial = moved.map((e) => e.taskId).reverse();
    expect(serial.length).toBe(20);
    const actual = await board(projectId);
    expect(actual.todo).toEqual([first.id, ...serial, last.id]);
    expect(actual.doing).toEqual([]);
    expect(actual.review).toEqual([]);
    await expectStrictlyIncreasingPositions(projectId);
    expect((await eventsSince(projectId, start, 'reordered')).length).toBeGreaterThanOrEqual(1);
  });
});

// A place is next to one task: after it or before it. manage_task refuses both at once ("after_task_id and
// before_task_id: give at most one"); tasks.move, tasks.edit and tasks.create refuse them too, rather than
// following one and ignoring the other.
describe('afterId and beforeId together', () => {
  it('are refused by tasks.move, tasks.edit and tasks.create, and nothing moves', async () => {
    const project = await rt.caller.projects.create({ title: 'Both anchors' });
    const [a, b, c] = [
      await rt.caller.tasks.create({ projectId: project.id, title: 'A' }),
      await rt.caller.tasks.create({ projectId: project.id, title: 'B' }),
      await rt.caller.tasks.create({ projectId: project.id, title: 'C' }),
    ];
    const order = async () => (await rt.caller.tasks.list({ projectId: project.id })).items.map((t) => t.title);
    // "After A and before A" names no place at all.
    const both = { afterId: a.id, beforeId: a.id };
    const refusal = { code: 'BAD_REQUEST', message: 'afterId and beforeId: give at most one' };
    await expect(rt.caller.tasks.move({ id: c.id, status: 'todo', ...both })).rejects.toMatchObject(refusal);
    await expect(rt.caller.tasks.edit({ id: c.id, move: { status: 'todo', ...both } })).rejects.toMatchObject(refusal);
    await expect(rt.caller.tasks.create({ projectId: project.id, title: 'D', ...both })).rejects.toMatchObject(refusal);
    expect(await order()).toEqual(['A', 'B', 'C']);
    expect((await rt.caller.tasks.byId({ id: c.id })).version).toBe(c.version);
    // One of them, or both null, is a place as before.
    await rt.caller.tasks.move({ id: c.id, status: 'todo', afterId: a.id, beforeId: null });
    await rt.caller.tasks.move({ id: a.id, status: 'todo', afterId: null, beforeId: null });
    expect(await order()).toEqual(['C', 'B', 'A']);
    expect(b.title).toBe('B');
  });
});
