import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentVersions } from '../../db/schema';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';

const UNKNOWN_ID = '4a3e1c2b-0d9f-4e8a-9b7c-6d5e4f3a2b1c';

let rt: TestRuntime;
let projectId: string;

beforeAll(async () => {
  rt = await createTestRuntime();
  projectId = (await rt.caller.projects.create({ title: 'Docs project' })).id;
});
afterAll(async () => {
  await rt?.close();
});

const versionsOf = (documentId: string) => rt.caller.versions.list({ documentId });

async function newDoc(title: string, content: string, extra: { documentType?: string; tags?: string[] } = {}) {
  return rt.caller.documents.create({ projectId, title, content, ...extra });
}

describe('creating a document', () => {
  it('starts at version 1 with a create snapshot of its title and content', async () => {
    const doc = await newDoc('Spec', '# Spec\nbody', { tags: ['a', 'a', 'b'] });
    expect(doc).toMatchObject({ version: 1, title: 'Spec', content: '# Spec\nbody', documentType: 'note', status: 'draft' });
    expect(doc.tags).toEqual(['a', 'b']);

    const versions = await versionsOf(doc.id);
    expect(versions.total).toBe(1);
    expect(versions.items.map((v) => [v.versionNumber, v.changeType])).toEqual([[1, 'create']]);

    const v1 = await rt.caller.versions.get({ documentId: doc.id, versionNumber: 1 });
    expect(v1).toMatchObject({ title: 'Spec', content: '# Spec\nbody', fieldName: 'document', projectId });
  });

  it('records the author as the creator of the first version', async () => {
    const doc = await rt.caller.documents.create({ projectId, title: 'Authored', author: 'Ada' });
    const [v1] = (await versionsOf(doc.id)).items;
    expect(v1?.createdBy).toBe('Ada');
  });
});

describe('updating a document', () => {
  it('increments the version and snapshots the new content', async () => {
    const doc = await newDoc('Plan', 'first draft');
    const updated = await rt.caller.documents.update({
      id: doc.id,
      expectedVersion: 1,
      content: 'second draft',
      changeSummary: 'rewrote it',
    });
    expect(updated).toMatchObject({ version: 2, content: 'second draft', title: 'Plan' });
    expect(await rt.caller.documents.byId({ id: doc.id })).toMatchObject({ version: 2, content: 'second draft' });

    const versions = await versionsOf(doc.id);
    expect(versions.items.map((v) => [v.versionNumber, v.changeType, v.changeSummary])).toEqual([
      [2, 'update', 'rewrote it'],
      [1, 'create', null],
    ]);
    const v2 = await rt.caller.versions.get({ documentId: doc.id, versionNumber: 2 });
    expect(v2.content).toBe('second draft');
    const v1 = await rt.caller.versions.get({ documentId: doc.id, versionNumber: 1 });
    expect(v1.content).toBe('first draft');
  });

  it('refuses a stale expectedVersion with CONFLICT and changes nothing', async () => {
    const doc = await newDoc('Contested', 'original');
    await rt.caller.documents.update({ id: doc.id, expectedVersion: 1, content: 'edit by A' });
    const before = await rt.caller.documents.byId({ id: doc.id });
    const versionsBefore = await versionsOf(doc.id);

    await expect(rt.caller.documents.update({ id: doc.id, expectedVersion: 1, content: 'edit by B', title: 'B title' })).rejects.toMatchObject({
      code: 'CONFLICT',
    });

    const after = await rt.caller.documents.byId({ id: doc.id });
    expect(after).toEqual(before);
    expect(after.content).toBe('edit by A');
    expect(await versionsOf(doc.id)).toEqual(versionsBefore);
  });

  it('refuses an update of an unknown document with NOT_FOUND', async () => {
    await expect(rt.caller.documents.update({ id: UNKNOWN_ID, content: 'x' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });
});

describe('listing documents', () => {
  let listProject: string;
  beforeAll(async () => {
    listProject = (await rt.caller.projects.create({ title: 'Listing project' })).id;
    const make = (title: string, content: string, documentType: string) =>
      rt.caller.documents.create({ projectId: listProject, title, content, documentType });
    await make('Architecture', 'héllo wörld', 'spec');
    await make('Meeting notes', 'discussed 100% coverage', 'note');
    await make('Roadmap', 'ship the thing_v2', 'spec');
    await make('Glossary', 'plain words', 'reference');
  });

  const list = (input: { query?: string; documentType?: string; limit?: number; offset?: number }) =>
    rt.caller.documents.list({ projectId: listProject, ...input });

  it('returns summaries without content but with a character count', async () => {
    const page = await list({});
    expect(page.total).toBe(4);
    for (const item of page.items) expect(item).not.toHaveProperty('content');
    const arch = page.items.find((d) => d.title === 'Architecture');
    expect(arch?.charCount).toBe('héllo wörld'.length);
  });

  it('filters by documentType', async () => {
    const page = await list({ documentType: 'spec' });
    expect(page.items.map((d) => d.title).sort()).toEqual(['Architecture', 'Roadmap']);
    expect(page.total).toBe(2);
  });

  it('searches title and content case-insensitively', async () => {
    expect((await list({ query: 'roadMAP' })).items.map((d) => d.title)).toEqual(['Roadmap']);
    expect((await list({ query: 'DISCUSSED' })).items.map((d) => d.title)).toEqual(['Meeting notes']);
    expect((await list({ query: 'wörld', documentType: 'note' })).total).toBe(0);
  });

  it('treats LIKE metacharacters in the query literally', async () => {
    expect((await list({ query: '100%' })).items.map((d) => d.title)).toEqual(['Meeting notes']);
    expect((await list({ query: '%' })).items.map((d) => d.title)).toEqual(['Meeting notes']);
    expect((await list({ query: 'g_v2' })).items.map((d) => d.title)).toEqual(['Roadmap']);
    expect((await list({ query: '_' })).items.map((d) => d.title)).toEqual(['Roadmap']);
    expect((await list({ query: 'thing\\' })).total).toBe(0);
  });

  it('paginates with a stable total', async () => {
    const first = await list({ limit: 3, offset: 0 });
    const second = await list({ limit: 3, offset: 3 });
    expect(first.items).toHaveLength(3);
    expect(second.items).toHaveLength(1);
    expect([first.total, second.total]).toEqual([4, 4]);
    const ids = [...first.items, ...second.items].map((d) => d.id);
    expect(new Set(ids).size).toBe(4);
  });

  it('does not list documents of other projects', async () => {
    const titles = (await list({})).items.map((d) => d.title);
    expect(titles).not.toContain('Spec');
  });
});

describe('restoring a document version', () => {
  it('saves the current content as a backup, then writes the restored content', async () => {
    const doc = await newDoc('History', 'content v1');
    await rt.caller.documents.update({ id: doc.id, content: 'content v2', title: 'History 2' });
    await rt.caller.documents.update({ id: doc.id, content: 'content v3' });

    const result = await rt.caller.versions.restore({ documentId: doc.id, versionNumber: 1, restoredBy: 'Grace' });
    expect(result.document).toMatchObject({ content: 'content v1', title: 'History', version: 4 });
    expect(result.version).toMatchObject({ versionNumber: 5, changeType: 'restore', createdBy: 'Grace' });
    expect(await rt.caller.documents.byId({ id: doc.id })).toMatchObject({ content: 'content v1', title: 'History' });

    const versions = await versionsOf(doc.id);
    expect(versions.items.map((v) => [v.versionNumber, v.changeType])).toEqual([
      [5, 'restore'],
      [4, 'backup'],
      [3, 'update'],
      [2, 'update'],
      [1, 'create'],
    ]);
    const backup = await rt.caller.versions.get({ documentId: doc.id, versionNumber: 4 });
    expect(backup).toMatchObject({ content: 'content v3', title: 'History 2', createdBy: 'Grace' });
    const restored = await rt.caller.versions.get({ documentId: doc.id, versionNumber: 5 });
    expect(restored).toMatchObject({ content: 'content v1', title: 'History' });
  });

  it('refuses a version that does not exist with NOT_FOUND and changes nothing', async () => {
    const doc = await newDoc('Stable', 'keep me');
    await rt.caller.documents.update({ id: doc.id, content: 'keep me too' });
    const before = await rt.caller.documents.byId({ id: doc.id });
    const versionsBefore = await versionsOf(doc.id);

    await expect(rt.caller.versions.restore({ documentId: doc.id, versionNumber: 99 })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(rt.caller.versions.get({ documentId: doc.id, versionNumber: 99 })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });

    expect(await rt.caller.documents.byId({ id: doc.id })).toEqual(before);
    expect(await versionsOf(doc.id)).toEqual(versionsBefore);
  });

  it('refuses to restore a version of an unknown document with NOT_FOUND', async () => {
    await expect(rt.caller.versions.restore({ documentId: UNKNOWN_ID, versionNumber: 1 })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('does not take manual snapshots of documents', async () => {
    const doc = await newDoc('No manual', 'x');
    await expect(rt.caller.versions.create({ documentId: doc.id })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect((await versionsOf(doc.id)).total).toBe(1);
  });
});

describe('deleting a document', () => {
  it('removes the document and its versions', async () => {
    const doc = await newDoc('Doomed', 'bye');
    await rt.caller.documents.update({ id: doc.id, content: 'bye bye' });
    const other = await newDoc('Survivor', 'stay');

    expect(await rt.caller.documents.delete({ id: doc.id })).toEqual({ id: doc.id });
    await expect(rt.caller.documents.byId({ id: doc.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(versionsOf(doc.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const [left] = await rt.database.db.select({ n: count() }).from(documentVersions).where(eq(documentVersions.documentId, doc.id));
    expect(left?.n).toBe(0);

    expect((await rt.caller.documents.byId({ id: other.id })).content).toBe('stay');
    await expect(rt.caller.documents.delete({ id: doc.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('documents of an unknown project', () => {
  it('cannot be created', async () => {
    await expect(rt.caller.documents.create({ projectId: UNKNOWN_ID, title: 'Orphan' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('cannot be listed', async () => {
    await expect(rt.caller.documents.list({ projectId: UNKNOWN_ID })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('have no byId', async () => {
    await expect(rt.caller.documents.byId({ id: UNKNOWN_ID })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
