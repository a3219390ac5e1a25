import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeExamples, pages, sources } from '../../db/schema';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';

/**
 * The API behind the dashboard's projects list, board, table and task editor:
 * projects.summaries/summary, tasks.board, tasks.links and tasks.history.
 */

let rt: TestRuntime;
beforeAll(async () => {
  rt = await createTestRuntime();
});
afterAll(async () => {
  await rt?.close();
});

const newProject = async (title = 'Board') => (await rt.caller.projects.create({ title })).id;
const mk = (projectId: string, title: string, extra: Record<string, unknown> = {}) => rt.caller.tasks.create({ projectId, title, ...extra });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function insertSource(id: string, title = id) {
  await rt.database.db.insert(sources).values({ id, kind: 'url', url: `https://example.com/${id}`, title });
}

async function insertCodeExample(sourceId: string, code: string): Promise<number> {
  const [page] = await rt.database.db
    .insert(pages)
    .values({ sourceId, url: `https://example.com/${sourceId}/p`, content: 'x', contentHash: 'h', charCount: 1, wordCount: 1 })
    .returning({ id: pages.id });
  const [example] = await rt.database.db
    .insert(codeExamples)
    .values({ sourceId, pageId: page!.id, exampleIndex: 0, code, language: 'ts', name: 'setup', summary: 'How to set up', contentHash: 'h' })
    .returning({ id: codeExamples.id });
  return example!.id;
}

describe('projects.summaries', () => {
  it('gives each project its top-level tasks per status, archived ones apart, its documents and its last activity', async () => {
    const a = await newProject('Alpha summaries');
    const b = await newProject('Beta summaries');
    const t1 = await mk(a, 'one');
    await mk(a, 'two', { status: 'doing' });
    await mk(a, 'three', { status: 'doing' });
    const gone = await mk(a, 'four', { status: 'done' });
    await mk(a, 'sub', { parentId: t1.id }); // a subtask is counted on its card, not here
    await rt.caller.tasks.archive({ id: gone.id });
    await rt.caller.documents.create({ projectId: a, title: 'Spec' });
    const before = (await rt.caller.projects.summary({ id: a })).lastActivityAt;

    const page = await rt.caller.projects.summaries({ query: 'summaries' });
    expect(page.total).toBe(2);
    const [sa, sb] = page.items;
    expect(sa).toMatchObject({ id: a, taskCounts: { todo: 1, doing: 2, review: 0, done: 0 }, archivedTasks: 1, documentCount: 1 });
    expect(sa).not.toHaveProperty('features');
    expect(sb).toMatchObject({ id: b, taskCounts: { todo: 0, doing: 0, review: 0, done: 0 }, archivedTasks: 0, documentCount: 0 });
    expect(sb!.lastActivityAt).toBeInstanceOf(Date);

    // A task change is activity, a delete too.
    await sleep(5);
    await rt.caller.tasks.delete({ id: t1.id });
    const after = await rt.caller.projects.summary({ id: a });
    expect(after.lastActivityAt.getTime()).toBeGreaterThan(before.getTime());
    expect(after.taskCounts.todo).toBe(0);
  });

  it('puts the pinned project first, then the others by title', async () => {
    const z = await newProject('Zulu order');
    await newProject('alpha order');
    await rt.caller.projects.update({ id: z, pinned: true });
    const page = await rt.caller.projects.summaries({ query: 'order' });
    expect(page.items.map((p) => p.title)).toEqual(['Zulu order', 'alpha order']);
  });

  it('says which project is missing', async () => {
    await expect(rt.caller.projects.summary({ id: '00000000-0000-4000-8000-000000000000' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('tasks.board', () => {
  it('returns every task with subtasks and links but no descriptions, and the event id to subscribe from', async () => {
    await insertSource('board-src', 'Board docs');
    const code = await insertCodeExample('board-src', 'let x = 1');
    const p = await newProject();
    const a = await mk(p, 'A', { description: 'long words', sourceIds: ['board-src'], codeExampleIds: [code] });
    const b = await mk(p, 'B', { status: 'review' });
    await mk(p, 'A.1', { parentId: a.id, status: 'done' });
    const archived = await mk(p, 'old');
    await rt.caller.tasks.archive({ id: archived.id });

    const board = await rt.caller.tasks.board({ projectId: p });
    expect(board.tasks.map((t) => t.title).sort()).toEqual(['A', 'A.1', 'B']);
    const ta = board.tasks.find((t) => t.id === a.id)!;
    expect(ta).not.toHaveProperty('description');
    expect(ta).toMatchObject({ hasDescription: true, sourceIds: ['board-src'], codeExampleIds: [code], version: 1 });
    expect(board.tasks.find((t) => t.id === b.id)).toMatchObject({ hasDescription: false, sourceIds: [], codeExampleIds: [] });
    expect(board.sources).toEqual([{ id: 'board-src', title: 'Board docs' }]);
    expect(board.truncated).toBe(false);

    // The cursor is the newest event: a subscription from it sees the next change first.
    const controller = new AbortController();
    const { createCaller } = await import('../../server/routers/_app');
    const { createContextInner } = await import('../../server/trpc/context');
    const caller = createCaller(createContextInner({ runtime: rt }), { signal: controller.signal });
    const stream = (await caller.tasks.onChange({ projectId: p, lastEventId: board.cursor }))[Symbol.asyncIterator]();
    const next = stream.next();
    await rt.caller.tasks.move({ id: b.id, status: 'doing' });
    const [id, data] = (await next).value as unknown as [string, { kind: string; taskId: string }];
    expect(data).toMatchObject({ kind: 'moved', taskId: b.id });
    expect(Number(id)).toBeGreaterThan(Number(board.cursor));
    controller.abort();
    await stream.return?.();

    const all = await rt.caller.tasks.board({ projectId: p, includeArchived: true });
    expect(all.tasks.find((t) => t.id === archived.id)).toMatchObject({ archived: true });
  });

  it('reads an empty project and refuses a missing one', async () => {
    const p = await newProject();
    expect(await rt.caller.tasks.board({ projectId: p })).toEqual({ cursor: '0', tasks: [], sources: [], truncated: false });
    await expect(rt.caller.tasks.board({ projectId: '00000000-0000-4000-8000-000000000000' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('tasks.links', () => {
  it('names the linked sources and code examples', async () => {
    await insertSource('links-src', 'Links docs');
    const code = await insertCodeExample('links-src', 'const answer = 42;');
    const p = await newProject();
    const t = await mk(p, 'Linked', { sourceIds: ['links-src'], codeExampleIds: [code] });
    expect(await rt.caller.tasks.links({ id: t.id })).toEqual({
      sources: [{ id: 'links-src', title: 'Links docs', url: 'https://example.com/links-src', kind: 'url' }],
      codeExamples: [
        {
          id: code,
          sourceId: 'links-src',
          sourceTitle: 'Links docs',
          language: 'ts',
          name: 'setup',
          summary: 'How to set up',
          preview: 'const answer = 42;',
        },
      ],
    });
    await expect(rt.caller.tasks.links({ id: '00000000-0000-4000-8000-000000000000' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('tasks.history', () => {
  it('says what changed in each event, newest first, with the subtasks', async () => {
    const p = await newProject();
    const t = await mk(p, 'Draft');
    await rt.caller.tasks.update({ id: t.id, title: 'Final', assignee: 'Archon' });
    await rt.caller.tasks.move({ id: t.id, status: 'doing' });
    const sub = await mk(p, 'Check', { parentId: t.id });
    await rt.caller.tasks.update({ id: sub.id, status: 'done' });
    await rt.caller.tasks.archive({ id: t.id });
    // Another task's events stay out.
    await mk(p, 'Other');

    const { entries, nextBefore } = await rt.caller.tasks.history({ id: t.id });
    expect(nextBefore).toBeNull();
    const brief = entries.map((e) => [
      e.kind,
      e.subtask?.title ?? null,
      e.changes.map((c) => `${c.field}: ${JSON.stringify(c.from)} → ${JSON.stringify(c.to)}`),
    ]);
    // The task and its subtask are archived in one write; their two events come in either order.
    expect(brief.slice(0, 2)).toEqual(
      expect.arrayContaining([
        ['archived', null, ['archived: false → true']],
        ['archived', 'Check', ['archived: false → true']],
      ]),
    );
    expect(brief.slice(2)).toEqual([
      ['moved', 'Check', ['status: "todo" → "done"']],
      ['created', 'Check', []],
      ['moved', null, ['status: "todo" → "doing"']],
      ['updated', null, ['title: "Draft" → "Final"', 'assignee: "User" → "Archon"']],
      ['created', null, []],
    ]);

    const first = await rt.caller.tasks.history({ id: t.id, limit: 3 });
    expect(first.entries).toHaveLength(3);
    const second = await rt.caller.tasks.history({ id: t.id, limit: 3, before: first.nextBefore! });
    expect(second.entries.map((e) => e.id)).toEqual(entries.slice(3, 6).map((e) => e.id));
    const last = await rt.caller.tasks.history({ id: t.id, limit: 3, before: second.nextBefore! });
    expect(last.entries.map((e) => e.id)).toEqual(entries.slice(6).map((e) => e.id));
    expect(last.nextBefore).toBeNull();
  });
});

// tasks.history says what changed in each event. Archive and unarchive events carry the task's row without its
// links, which is no change of links; a change of links made after one must still be told.
describe('tasks.history after an archive and unarchive', () => {
  it('tells of the links changed afterwards', async () => {
    await rt.database.db.insert(sources).values({ id: 'history-src', kind: 'url', url: 'https://example.com/h', title: 'H' });
    const project = await rt.caller.projects.create({ title: 'History links' });
    const task = await rt.caller.tasks.create({ projectId: project.id, title: 'Task' });
    await rt.caller.tasks.archive({ id: task.id });
    await rt.caller.tasks.unarchive({ id: task.id });
    await rt.caller.tasks.update({ id: task.id, sourceIds: ['history-src'] });
    const { entries } = await rt.caller.tasks.history({ id: task.id });
    expect(entries.map((e) => [e.kind, e.changes.map((c) => `${c.field}: ${JSON.stringify(c.from)} → ${JSON.stringify(c.to)}`)])).toEqual([
      ['updated', ['sourceIds: [] → ["history-src"]']],
      ['unarchived', ['archived: true → false']],
      ['archived', ['archived: false → true']],
      ['created', []],
    ]);
  });
});
