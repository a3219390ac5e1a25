import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentVersions, projectDocuments, projectSources, projects, sources, taskEvents, tasks } from '../../db/schema';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';

const UNKNOWN_ID = '7b0e2f4c-1a3d-4c5e-8f9a-0b1c2d3e4f5a';

let rt: TestRuntime;
beforeAll(async () => {
  rt = await createTestRuntime();
});
afterAll(async () => {
  await rt?.close();
});

async function rowCount(table: typeof projects | typeof sources) {
  const [row] = await rt.database.db.select({ n: count() }).from(table);
  return row?.n ?? 0;
}

describe('githubRepo', () => {
  it.each(['o/r', 'https://github.com/o/r.git', 'http://www.github.com/o/r/', '  https://github.com/o/r  '])(
    'normalises %j to https://github.com/o/r',
    async (githubRepo) => {
      const project = await rt.caller.projects.create({ title: `repo ${githubRepo}`, githubRepo });
      expect(project.githubRepo).toBe('https://github.com/o/r');
      expect((await rt.caller.projects.byId({ id: project.id })).githubRepo).toBe('https://github.com/o/r');
    },
  );

  it('normalises on update and can be cleared', async () => {
    const project = await rt.caller.projects.create({ title: 'repo update' });
    expect(project.githubRepo).toBeNull();
    const updated = await rt.caller.projects.update({ id: project.id, githubRepo: 'https://www.github.com/Acme/Tool.git/' });
    expect(updated.githubRepo).toBe('https://github.com/Acme/Tool');
    const cleared = await rt.caller.projects.update({ id: project.id, githubRepo: null });
    expect(cleared.githubRepo).toBeNull();
  });

  it.each(['https://gitlab.com/o/r', 'https://github.com/o', 'https://github.com/o/r/tree/main', 'git@github.com:o/r.git'])(
    'refuses %j with BAD_REQUEST and creates nothing',
    async (githubRepo) => {
      const before = await rowCount(projects);
      await expect(rt.caller.projects.create({ title: 'bad repo', githubRepo })).rejects.toMatchObject({
        code: 'BAD_REQUEST',
      });
      expect(await rowCount(projects)).toBe(before);
    },
  );
});

describe('pinning', () => {
  const pinnedIds = async () => (await rt.database.db.select({ id: projects.id }).from(projects).where(eq(projects.pinned, true))).map((r) => r.id);

  it('keeps at most one project pinned when creating and updating', async () => {
    const a = await rt.caller.projects.create({ title: 'Pin A', pinned: true });
    expect(await pinnedIds()).toEqual([a.id]);
    const b = await rt.caller.projects.create({ title: 'Pin B', pinned: true });
    expect(await pinnedIds()).toEqual([b.id]);
    expect((await rt.caller.projects.byId({ id: a.id })).pinned).toBe(false);

    await rt.caller.projects.update({ id: a.id, pinned: true });
    expect(await pinnedIds()).toEqual([a.id]);
    const list = await rt.caller.projects.list({ limit: 1 });
    expect(list.items[0]?.id).toBe(a.id);

    await rt.caller.projects.update({ id: a.id, pinned: false });
    expect(await pinnedIds()).toEqual([]);
  });

  it('leaves the pinned project alone when another is updated without pinning', async () => {
    const pinned = await rt.caller.projects.create({ title: 'Pin C', pinned: true });
    const other = await rt.caller.projects.create({ title: 'Pin D' });
    await rt.caller.projects.update({ id: other.id, title: 'Pin D renamed' });
    expect(await pinnedIds()).toEqual([pinned.id]);
  });
});

describe('list search and pagination', () => {
  const token = 'qz7';
  beforeAll(async () => {
    for (const [title, description] of [
      [`${token} Alpha`, 'plain'],
      [`${token} 100% sure`, 'percent in title'],
      [`${token} snake_case`, 'underscore in title'],
      [`${token} snakeXcase`, 'no underscore'],
      [`${token} Omega`, 'mentions back\\slash and BETA'],
    ]) {
      await rt.caller.projects.create({ title: title!, description: description! });
    }
  });
  const titles = async (query: string) => (await rt.caller.projects.list({ query })).items.map((p) => p.title);

  it('matches title and description case-insensitively', async () => {
    expect(await titles(`${token} alpha`)).toEqual([`${token} Alpha`]);
    expect(await titles(`beta`)).toEqual([`${token} Omega`]);
    expect((await rt.caller.projects.list({ query: token })).total).toBe(5);
  });

  it('treats LIKE metacharacters literally', async () => {
    expect(await titles(`${token} 100%`)).toEqual([`${token} 100% sure`]);
    expect(await titles(`${token} snake_`)).toEqual([`${token} snake_case`]);
    expect(await titles('back\\slash')).toEqual([`${token} Omega`]);
    expect(await titles(`${token}%Alpha`)).toEqual([]);
    expect(await titles(`${token} _lpha`)).toEqual([]);
  });

  it('paginates alphabetically with a constant total', async () => {
    const all = (await rt.caller.projects.list({ query: token })).items.map((p) => p.title);
    expect(all).toEqual(['100% sure', 'Alpha', 'Omega', 'snake_case', 'snakeXcase'].map((t) => `${token} ${t}`));
    const pages = await Promise.all([0, 2, 4].map((offset) => rt.caller.projects.list({ query: token, limit: 2, offset })));
    expect(pages.map((p) => p.items.length)).toEqual([2, 2, 1]);
    expect(pages.map((p) => p.total)).toEqual([5, 5, 5]);
    expect(pages.flatMap((p) => p.items.map((i) => i.title))).toEqual(all);
    expect((await rt.caller.projects.list({ query: token, offset: 10 })).items).toEqual([]);
  });
});

describe('update', () => {
  it('refuses an update with nothing to update', async () => {
    const project = await rt.caller.projects.create({ title: 'Unchanged' });
    await expect(rt.caller.projects.update({ id: project.id })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(await rt.caller.projects.byId({ id: project.id })).toEqual(project);
  });

  it('refuses an unknown project with NOT_FOUND', async () => {
    await expect(rt.caller.projects.update({ id: UNKNOWN_ID, title: 'x' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('features and data versions', () => {
  const featureVersions = (projectId: string) => rt.caller.versions.list({ projectId, fieldName: 'features' });

  it('snapshots the first content and each features or data update separately, but not other changes', async () => {
    const project = await rt.caller.projects.create({ title: 'Versioned', features: [{ name: 'f0' }] });
    await rt.caller.projects.update({ id: project.id, title: 'Versioned!' });
    expect((await featureVersions(project.id)).total).toBe(1);
    expect((await rt.caller.versions.list({ projectId: project.id, fieldName: 'data' })).total).toBe(0);

    await rt.caller.projects.update({ id: project.id, features: [{ name: 'f1' }] });
    await rt.caller.projects.update({ id: project.id, features: [{ name: 'f1' }, { name: 'f2' }], data: [1] });
    const versions = await featureVersions(project.id);
    expect(versions.items.map((v) => [v.versionNumber, v.changeType, v.fieldName])).toEqual([
      [3, 'update', 'features'],
      [2, 'update', 'features'],
      [1, 'create', 'features'],
    ]);
    const data = await rt.caller.versions.list({ projectId: project.id, fieldName: 'data' });
    expect(data.items.map((v) => v.versionNumber)).toEqual([1]);
    // The content the project was created with can be restored after it was edited.
    const v1 = await rt.caller.versions.get({ projectId: project.id, fieldName: 'features', versionNumber: 1 });
    expect(v1.content).toEqual([{ name: 'f0' }]);
    const v2 = await rt.caller.versions.get({ projectId: project.id, fieldName: 'features', versionNumber: 2 });
    expect(v2.content).toEqual([{ name: 'f1' }]);
  });

  it('takes a manual snapshot of the current content', async () => {
    const project = await rt.caller.projects.create({ title: 'Manual', data: [{ k: 'v' }] });
    const version = await rt.caller.versions.create({
      projectId: project.id,
      fieldName: 'data',
      changeSummary: 'checkpoint',
      createdBy: 'Ada',
    });
    // Version 1 is the content the project was created with.
    expect(version).toMatchObject({ versionNumber: 2, changeType: 'manual', changeSummary: 'checkpoint', createdBy: 'Ada' });
    const stored = await rt.caller.versions.get({ projectId: project.id, fieldName: 'data', versionNumber: 2 });
    expect(stored.content).toEqual([{ k: 'v' }]);
    expect((await rt.caller.versions.list({ projectId: project.id, fieldName: 'features' })).total).toBe(0);
  });

  it('restores a version after backing up the current content', async () => {
    const project = await rt.caller.projects.create({ title: 'Restore me' });
    await rt.caller.projects.update({ id: project.id, features: ['one'] });
    await rt.caller.projects.update({ id: project.id, features: ['one', 'two'] });
    await rt.caller.projects.update({ id: project.id, features: ['three'] });

    const result = await rt.caller.versions.restore({
      projectId: project.id,
      fieldName: 'features',
      versionNumber: 1,
      restoredBy: 'Grace',
    });
    expect(result.document).toBeNull();
    expect(result.version).toMatchObject({ versionNumber: 5, changeType: 'restore', createdBy: 'Grace' });
    expect((await rt.caller.projects.byId({ id: project.id })).features).toEqual(['one']);

    const versions = await featureVersions(project.id);
    expect(versions.items.map((v) => [v.versionNumber, v.changeType])).toEqual([
      [5, 'restore'],
      [4, 'backup'],
      [3, 'update'],
      [2, 'update'],
      [1, 'update'],
    ]);
    const get = (versionNumber: number) => rt.caller.versions.get({ projectId: project.id, fieldName: 'features', versionNumber });
    expect((await get(4)).content).toEqual(['three']);
    expect((await get(5)).content).toEqual(['one']);
  });

  it('refuses to restore a missing version with NOT_FOUND and changes nothing', async () => {
    const project = await rt.caller.projects.create({ title: 'No such version' });
    await rt.caller.projects.update({ id: project.id, features: ['kept'] });
    const before = await featureVersions(project.id);
    await expect(rt.caller.versions.restore({ projectId: project.id, fieldName: 'features', versionNumber: 7 })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    expect(await featureVersions(project.id)).toEqual(before);
    expect((await rt.caller.projects.byId({ id: project.id })).features).toEqual(['kept']);
  });

  it('refuses versions of an unknown project with NOT_FOUND', async () => {
    const target = { projectId: UNKNOWN_ID, fieldName: 'features' as const };
    await expect(rt.caller.versions.list(target)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(rt.caller.versions.create(target)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(rt.caller.versions.restore({ ...target, versionNumber: 1 })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });
});

describe('features', () => {
  it('returns the features and their count', async () => {
    const project = await rt.caller.projects.create({ title: 'Featureful', features: [{ a: 1 }, { b: 2 }, 'c'] });
    expect(await rt.caller.projects.features({ id: project.id })).toEqual({ features: [{ a: 1 }, { b: 2 }, 'c'], count: 3 });
    await expect(rt.caller.projects.features({ id: UNKNOWN_ID })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('sources', () => {
  let projectId: string;
  beforeAll(async () => {
    projectId = (await rt.caller.projects.create({ title: 'With sources' })).id;
    await rt.database.db.insert(sources).values([
      { id: 'src-docs', kind: 'url', url: 'https://docs.example.com', title: 'B docs' },
      { id: 'src-upload', kind: 'upload', title: 'A upload' },
    ]);
  });

  it('links, relinks with a new link type, lists and unlinks', async () => {
    const linked = await rt.caller.projects.linkSource({ projectId, sourceId: 'src-docs' });
    expect(linked).toEqual([{ sourceId: 'src-docs', linkType: 'technical', title: 'B docs', url: 'https://docs.example.com' }]);

    await rt.caller.projects.linkSource({ projectId, sourceId: 'src-upload', linkType: 'business' });
    const relinked = await rt.caller.projects.linkSource({ projectId, sourceId: 'src-docs', linkType: 'business' });
    expect(relinked.map((s) => [s.sourceId, s.linkType])).toEqual([
      ['src-upload', 'business'],
      ['src-docs', 'business'],
    ]);
    expect(await rt.caller.projects.sources({ id: projectId })).toEqual(relinked);

    const afterUnlink = await rt.caller.projects.unlinkSource({ projectId, sourceId: 'src-upload' });
    expect(afterUnlink.map((s) => s.sourceId)).toEqual(['src-docs']);
    expect(await rowCount(sources)).toBe(2);
  });

  it.each([
    ['missing-source', 'NOT_FOUND'],
    ["src-docs' OR '1'='1", 'BAD_REQUEST'],
    ['src-docs; DROP TABLE sources;--', 'BAD_REQUEST'],
  ])('refuses unknown or malformed source %j with %s', async (sourceId, code) => {
    const before = await rt.caller.projects.sources({ id: projectId });
    await expect(rt.caller.projects.linkSource({ projectId, sourceId })).rejects.toMatchObject({ code });
    expect(await rt.caller.projects.sources({ id: projectId })).toEqual(before);
    expect(await rowCount(sources)).toBe(2);
  });

  it.each([
    ['linkSource', () => rt.caller.projects.linkSource({ projectId: UNKNOWN_ID, sourceId: 'src-docs' })],
    ['unlinkSource', () => rt.caller.projects.unlinkSource({ projectId: UNKNOWN_ID, sourceId: 'src-docs' })],
    ['sources', () => rt.caller.projects.sources({ id: UNKNOWN_ID })],
  ] as const)('%s refuses an unknown project with NOT_FOUND', async (_name, call) => {
    await expect(call()).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('delete', () => {
  async function countFor(projectId: string) {
    const db = rt.database.db;
    const n = async (table: typeof tasks | typeof projectDocuments | typeof documentVersions | typeof taskEvents | typeof projectSources) =>
      (await db.select({ n: count() }).from(table).where(eq(table.projectId, projectId)))[0]?.n ?? 0;
    return {
      tasks: await n(tasks),
      documents: await n(projectDocuments),
      versions: await n(documentVersions),
      taskEvents: await n(taskEvents),
      sources: await n(projectSources),
    };
  }

  async function populated(title: string) {
    const project = await rt.caller.projects.create({ title });
    const parent = await rt.caller.tasks.create({ projectId: project.id, title: 'Parent' });
    const child = await rt.caller.tasks.create({ projectId: project.id, title: 'Child', parentId: parent.id });
    const doc = await rt.caller.documents.create({ projectId: project.id, title: 'Doc', content: 'x' });
    await rt.caller.projects.update({ id: project.id, features: ['f'] });
    await rt.database.db
      .insert(sources)
      .values({ id: `src-${project.id}`, kind: 'upload', title: 'kept' })
      .onConflictDoNothing();
    await rt.caller.projects.linkSource({ projectId: project.id, sourceId: `src-${project.id}` });
    return { project, parent, child, doc };
  }

  it('cascades to tasks, documents, versions, events and source links only of that project', async () => {
    const doomed = await populated('Doomed');
    const survivor = await populated('Survivor');
    const survivorCounts = await countFor(survivor.project.id);
    expect(await countFor(doomed.project.id)).toEqual(survivorCounts);
    expect(survivorCounts).toMatchObject({ tasks: 2, documents: 1, versions: 2, sources: 1 });
    expect(survivorCounts.taskEvents).toBeGreaterThan(0);

    expect(await rt.caller.projects.delete({ id: doomed.project.id })).toEqual({ id: doomed.project.id });
    expect(await countFor(doomed.project.id)).toEqual({ tasks: 0, documents: 0, versions: 0, taskEvents: 0, sources: 0 });
    for (const id of [doomed.parent.id, doomed.child.id]) {
      await expect(rt.caller.tasks.byId({ id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    }
    await expect(rt.caller.documents.byId({ id: doomed.doc.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(rt.caller.projects.byId({ id: doomed.project.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });

    expect(await countFor(survivor.project.id)).toEqual(survivorCounts);
    const [source] = await rt.database.db
      .select()
      .from(sources)
      .where(eq(sources.id, `src-${doomed.project.id}`));
    expect(source?.title).toBe('kept');
  });

  it('refuses to delete an unknown project with NOT_FOUND', async () => {
    await expect(rt.caller.projects.delete({ id: UNKNOWN_ID })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
