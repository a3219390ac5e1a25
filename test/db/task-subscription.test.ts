import { randomUUID } from 'node:crypto';
import { getTRPCErrorFromUnknown } from '@trpc/server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCaller } from '../../server/routers/_app';
import { createContextInner } from '../../server/trpc/context';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';

type Event = { id: string; kind: string; taskId: string; projectId: string; payload: Record<string, unknown> };

let rt: TestRuntime;
beforeAll(async () => {
  rt = await createTestRuntime();
});
afterAll(async () => {
  await rt?.close();
});

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

const newProject = async () => (await rt.caller.projects.create({ title: 'Live' })).id;
const mk = (projectId: string, title: string) => rt.caller.tasks.create({ projectId, title });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const titleOf = (e: Event) => (e.payload.task as { title?: string } | undefined)?.title;

/**
 * A tasks.onChange stream whose reads all have a deadline and which closes by aborting its caller's signal.
 * `ready` settles once the procedure has resolved, which it does only after the stream's cursor is set.
 */
function subscribe(projectId: string, lastEventId?: string) {
  const controller = new AbortController();
  const caller = createCaller(createContextInner({ runtime: rt }), { signal: controller.signal });
  const iterator = caller.tasks.onChange({ projectId, lastEventId }).then((it) => it[Symbol.asyncIterator]());
  const ready = iterator.then(() => {});
  ready.catch(() => {});
  let pending: Promise<IteratorResult<unknown>> | null = null;

  const next = (timeoutMs: number): Promise<IteratorResult<unknown> | 'timeout'> => {
    pending ??= iterator.then((it) => it.next());
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), timeoutMs)));
    return Promise.race([pending, deadline]).then((res) => {
      clearTimeout(timer);
      if (res !== 'timeout') pending = null;
      return res;
    });
  };

  const sub = {
    controller,
    ready,
    start() {
      pending ??= iterator.then((it) => it.next());
      pending.catch(() => {});
    },
    async take(n: number, timeoutMs = 5_000): Promise<Event[]> {
      const out: Event[] = [];
      const until = Date.now() + timeoutMs;
      while (out.length < n) {
        const res = await next(Math.max(1, until - Date.now()));
        if (res === 'timeout') throw new Error(`received ${out.length} of ${n} events within ${timeoutMs} ms`);
        if (res.done) throw new Error(`stream ended after ${out.length} of ${n} events`);
        const [id, data] = res.value as [string, Omit<Event, 'id'> & { id: number }];
        expect(String(data.id)).toBe(id);
        out.push({ ...data, id });
      }
      return out;
    },
    async expectQuiet(ms: number) {
      const res = await next(ms);
      expect(res === 'timeout' ? 'quiet' : res).toBe('quiet');
    },
    async close() {
      controller.abort();
      await pending?.catch(() => {});
      await (await iterator.catch(() => null))?.return?.();
    },
  };
  open.push(sub);
  return sub;
}

describe('tasks.onChange', () => {
  it('replays a project from lastEventId 0 and then streams live changes in order', async () => {
    const projectId = await newProject();
    const a = await mk(projectId, 'A');
    await rt.caller.tasks.update({ id: a.id, title: 'A renamed' });
    const sub = subscribe(projectId, '0');

    const backlog = await sub.take(2);
    expect(backlog.map((e) => [e.kind, e.taskId, titleOf(e)])).toEqual([
      ['created', a.id, 'A'],
      ['updated', a.id, 'A renamed'],
    ]);

    sub.start();
    await sleep(50);
    const started = Date.now();
    const b = await mk(projectId, 'B');
    await rt.caller.tasks.move({ id: a.id, status: 'doing' });
    await rt.caller.tasks.update({ id: b.id, status: 'done' });
    const live = await sub.take(3);
    // Pushed by notifications: without them the stream's 5 s safety poll would deliver them.
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(live.map((e) => [e.kind, e.taskId])).toEqual([
      ['created', b.id],
      ['moved', a.id],
      ['moved', b.id],
    ]);
    expect(live[1]!.payload.task).toMatchObject({ status: 'doing', version: 3 });
    const ids = [...backlog, ...live].map((e) => Number(e.id));
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...backlog, ...live].every((e) => e.projectId === projectId)).toBe(true);
  });

  it('starts from the latest event when no lastEventId is given', async () => {
    const projectId = await newProject();
    await mk(projectId, 'Before');
    const sub = subscribe(projectId);
    sub.start();
    await sub.ready;
    await mk(projectId, 'After');
    const [first] = await sub.take(1);
    expect([first!.kind, titleOf(first!)]).toEqual(['created', 'After']);
  });

  it('resumes after lastEventId with exactly the events that followed it', async () => {
    const projectId = await newProject();
    const t = await mk(projectId, 'T');
    for (let i = 1; i <= 4; i++) await rt.caller.tasks.update({ id: t.id, title: `T${i}` });
    await mk(projectId, 'U');
    const all = await subscribe(projectId, '0').take(6);
    expect(all.map((e) => e.kind)).toEqual(['created', 'updated', 'updated', 'updated', 'updated', 'created']);

    const resumed = subscribe(projectId, all[2]!.id);
    expect(await resumed.take(3)).toEqual(all.slice(3));
    await resumed.expectQuiet(300);

    const u2 = await mk(projectId, 'After resume');
    const [next] = await resumed.take(1);
    expect(next).toMatchObject({ kind: 'created', taskId: u2.id });
    expect(Number(next!.id)).toBeGreaterThan(Number(all[5]!.id));

    const fromLast = subscribe(projectId, next!.id);
    await fromLast.expectQuiet(300);
  });

  it('delivers archive, reorder and delete events with their payloads', async () => {
    const projectId = await newProject();
    const parent = await mk(projectId, 'Parent');
    const sub = await rt.caller.tasks.create({ projectId, title: 'Sub', parentId: parent.id });
    const stream = subscribe(projectId, '0');
    const [, created] = await stream.take(2);
    await rt.caller.tasks.archive({ id: parent.id });
    await rt.caller.tasks.unarchive({ id: parent.id });
    await rt.caller.tasks.delete({ id: parent.id });
    const events = await stream.take(6);
    expect(events.map((e) => e.kind)).toEqual(['archived', 'archived', 'unarchived', 'unarchived', 'deleted', 'deleted']);
    expect(new Set(events.slice(0, 2).map((e) => e.taskId))).toEqual(new Set([parent.id, sub.id]));
    expect(events.find((e) => e.kind === 'deleted' && e.taskId === sub.id)?.payload).toEqual({ id: sub.id });
    expect(Number(events[0]!.id)).toBeGreaterThan(Number(created!.id));
  });

  it('announces a renumbering before the move that caused it', async () => {
    const projectId = await newProject();
    const first = await mk(projectId, 'First');
    await mk(projectId, 'Second');
    for (let i = 0; i < 11; i++) {
      const t = await mk(projectId, `N${i}`);
      await rt.caller.tasks.move({ id: t.id, status: 'todo', afterId: first.id });
    }
    const events = await subscribe(projectId, '0').take(2 + 11 * 2 + 1);
    const at = events.findIndex((e) => e.kind === 'reordered');
    expect(at).toBeGreaterThan(0);
    expect(events[at + 1]).toMatchObject({ kind: 'moved', taskId: events[at]!.taskId });
    const order = (events[at]!.payload as { order: { id: string; position: number }[] }).order;
    expect(order[0]!.id).toBe(first.id);
    expect(order[1]!.id).toBe(events[at]!.taskId);
  });

  it('does not deliver events of another project', async () => {
    const mine = await newProject();
    const other = await newProject();
    const sub = subscribe(mine, '0');
    sub.start();
    await sleep(50);
    await mk(other, 'Not mine');
    await mk(other, 'Not mine either');
    const t = await mk(mine, 'Mine');
    const [first] = await sub.take(1);
    expect(first).toMatchObject({ kind: 'created', taskId: t.id, projectId: mine });
    await mk(other, 'Still not mine');
    await sub.expectQuiet(300);
  });

  it('rejects an unknown project with NOT_FOUND', async () => {
    const err = await subscribe(randomUUID(), '0')
      .take(1)
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('does not exist') });
  });

  it('rejects an unknown project with an error the WebSocket and SSE adapters still report as NOT_FOUND', async () => {
    const err = await subscribe(randomUUID(), '0')
      .take(1)
      .catch((e: unknown) => e);
    expect(getTRPCErrorFromUnknown(err)).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('ends with NOT_FOUND when its project is deleted, at once rather than waiting on it for good', async () => {
    const projectId = await newProject();
    const other = await newProject();
    await mk(projectId, 'Goes with it');
    const sub = subscribe(projectId);
    const bystander = subscribe(other);
    sub.start();
    bystander.start();
    await Promise.all([sub.ready, bystander.ready]);
    const started = Date.now();
    await rt.caller.projects.delete({ id: projectId });
    const err = await sub.take(1, 4_000).catch((e: unknown) => e);
    expect(getTRPCErrorFromUnknown(err)).toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining(projectId) });
    // Woken by the delete: the stream's 5 s safety poll would also find it, later.
    expect(Date.now() - started).toBeLessThan(4_000);
    // Another project's stream goes on.
    await bystander.expectQuiet(300);
    await mk(other, 'Still live');
    expect((await bystander.take(1))[0]).toMatchObject({ kind: 'created', projectId: other });
  });

  it('ends the stream when the signal is aborted while waiting', async () => {
    const projectId = await newProject();
    const sub = subscribe(projectId, '0');
    sub.start();
    await sleep(50);
    const started = Date.now();
    setTimeout(() => sub.controller.abort(), 50);
    // Both bounds stay under the stream's 5 s safety poll, which would end it without the abort waking it.
    await expect(sub.take(1, 4_000)).rejects.toThrow(/stream ended after 0 of 1/);
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it('ends the stream when the consumer breaks out of for-await', async () => {
    const projectId = await newProject();
    await mk(projectId, 'One');
    await mk(projectId, 'Two');
    const iterable = await rt.caller.tasks.onChange({ projectId, lastEventId: '0' });
    const seen: string[] = [];
    for await (const value of iterable) {
      seen.push((value as unknown as [string, Event])[1].kind);
      break;
    }
    expect(seen).toEqual(['created']);
    const iterator = iterable[Symbol.asyncIterator]();
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
  });
});
