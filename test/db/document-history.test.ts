import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalBackend } from '../../server/mcp/local-backend';
import { createCaller } from '../../server/routers/_app';
import { acceptInvitation, inviteUser, setupOwner } from '../../server/services/auth/accounts';
import { createApiKey, resolveApiKey } from '../../server/services/auth/api-keys';
import type { Principal } from '../../server/services/auth/principal';
import { createSession, resolveSession } from '../../server/services/auth/sessions';
import { createContextInner } from '../../server/trpc/context';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';

/**
 * What the dashboard's history panels need from the API: versions that say who
 * made them (the signed-in person, not a name the caller typed), their size,
 * a document's last editor, and features and data lists saved against the
 * version they were read at, so a concurrent change is a CONFLICT, not lost.
 */

const UNKNOWN_ID = '4a3e1c2b-0d9f-4e8a-9b7c-6d5e4f3a2b1c';
const PASSWORD = 'a long enough password 1';

let rt: TestRuntime;
let owner: ReturnType<typeof createCaller>;
let member: ReturnType<typeof createCaller>;
let viewer: ReturnType<typeof createCaller>;
let ownerKey: ReturnType<typeof createCaller>;
let keyPrincipal: Principal;

const callerFor = (principal: Principal) => createCaller(createContextInner({ runtime: rt, principal }));

async function personWith(role: 'member' | 'viewer', email: string) {
  const { token } = await inviteUser(rt.database.db, { email, role }, null);
  const user = await acceptInvitation(rt.database.db, { token, password: PASSWORD });
  return (await resolveSession(rt.database.db, (await createSession(rt.database.db, user.id)).token))!;
}

beforeAll(async () => {
  rt = await createTestRuntime();
  const o = await setupOwner(rt.database.db, { email: 'ada@example.com', name: 'Ada Lovelace', password: PASSWORD });
  owner = callerFor((await resolveSession(rt.database.db, (await createSession(rt.database.db, o.id)).token))!);
  // Invited people may have no name yet: their email stands in.
  member = callerFor(await personWith('member', 'grace@example.com'));
  viewer = callerFor(await personWith('viewer', 'vera@example.com'));
  const { key } = await createApiKey(rt.database.db, o.id, { name: 'agent', scopes: ['write'] });
  keyPrincipal = (await resolveApiKey(rt.database.db, key))!;
  ownerKey = callerFor(keyPrincipal);
});
afterAll(async () => {
  await rt?.close();
});

describe('who made a document version', () => {
  it('is the signed-in person, whatever author the input names; the author defaults to them', async () => {
    const { id: projectId } = await owner.projects.create({ title: 'Authors' });
    const doc = await owner.documents.create({ projectId, title: 'Plan', content: 'one' });
    expect(doc.author).toBe('Ada Lovelace');
    expect(doc.updatedBy).toBe('Ada Lovelace');

    const edited = await member.documents.update({ id: doc.id, expectedVersion: 1, content: 'one two', author: 'Somebody Else' });
    expect(edited.updatedBy).toBe('grace@example.com');
    await ownerKey.documents.update({ id: doc.id, content: 'one two three' });
    const restored = await member.versions.restore({ documentId: doc.id, versionNumber: 1, restoredBy: 'Not Me' });
    expect(restored.document?.updatedBy).toBe('grace@example.com');

    const history = await owner.versions.list({ documentId: doc.id });
    expect(history.items.map((v) => [v.versionNumber, v.changeType, v.createdBy])).toEqual([
      [5, 'restore', 'grace@example.com'],
      [4, 'backup', 'grace@example.com'],
      [3, 'update', 'Ada Lovelace'],
      [2, 'update', 'grace@example.com'],
      [1, 'create', 'Ada Lovelace'],
    ]);
    // The document keeps the author it was given; "edited by" follows the latest version.
    const listed = (await owner.documents.list({ projectId })).items[0]!;
    expect(listed).toMatchObject({ author: 'Somebody Else', updatedBy: 'grace@example.com' });
    expect((await owner.documents.byId({ id: doc.id })).updatedBy).toBe('grace@example.com');
  });

  it('stays the name an in-process caller gives, as before', async () => {
    const { id: projectId } = await rt.caller.projects.create({ title: 'System' });
    const doc = await rt.caller.documents.create({ projectId, title: 'Seeded', author: 'Importer' });
    await rt.caller.versions.restore({ documentId: doc.id, versionNumber: 1, restoredBy: 'Cron' });
    expect((await rt.caller.versions.list({ documentId: doc.id })).items.map((v) => v.createdBy)).toEqual(['Cron', 'Cron', 'Importer']);
    const untitled = await rt.caller.documents.create({ projectId, title: 'Nobody' });
    expect(untitled.author).toBeNull();
    expect(untitled.updatedBy).toBe('system');
  });
});

describe('who made a features or data version', () => {
  it('is the signed-in person for projects.create and projects.update, and the key’s user over MCP', async () => {
    const { id: projectId } = await owner.projects.create({ title: 'Field authors', features: [{ name: 'a' }] });
    await member.projects.update({ id: projectId, features: [{ name: 'a' }, { name: 'b' }] });
    await ownerKey.projects.update({ id: projectId, data: [{ table: 'users' }] });
    const mcp = createLocalBackend({ runtime: rt, actor: { principal: keyPrincipal, ip: null }, transport: 'internal', dispatch: async () => {} });
    await mcp.updateProject({ id: projectId, features: [{ name: 'c' }] });
    const made = await mcp.createProject({ title: 'Made over MCP', data: [{ k: 1 }] });
    const by = async (id: string, fieldName: 'features' | 'data') =>
      (await owner.versions.list({ projectId: id, fieldName })).items.map((v) => [v.versionNumber, v.changeType, v.createdBy]);
    expect(await by(projectId, 'features')).toEqual([
      [3, 'update', 'Ada Lovelace'],
      [2, 'update', 'grace@example.com'],
      [1, 'create', 'Ada Lovelace'],
    ]);
    expect(await by(projectId, 'data')).toEqual([[1, 'update', 'Ada Lovelace']]);
    expect(await by(made.id, 'data')).toEqual([[1, 'create', 'Ada Lovelace']]);
  });
});

describe('the size of a version', () => {
  it('counts characters of a document and entries of a list, without fetching the content', async () => {
    const { id: projectId } = await owner.projects.create({ title: 'Sizes', features: [{ name: 'a' }, { name: 'b' }] });
    const doc = await owner.documents.create({ projectId, title: 'Short', content: 'héllo 👋' });
    expect((await owner.versions.list({ documentId: doc.id })).items[0]?.size).toBe([...'héllo 👋'].length);
    expect((await owner.versions.list({ projectId, fieldName: 'features' })).items[0]?.size).toBe(2);
    expect((await owner.versions.get({ projectId, fieldName: 'features', versionNumber: 1 })).size).toBe(2);
  });
});

describe('features and data with their version', () => {
  it('reads version 0 for a list never written, and the latest version once written by any route', async () => {
    const { id: projectId } = await owner.projects.create({ title: 'Fields' });
    expect(await owner.versions.field({ projectId, fieldName: 'features' })).toMatchObject({ content: [], version: 0, updatedBy: null });
    await owner.projects.update({ id: projectId, data: [{ table: 'users' }] });
    expect(await owner.versions.field({ projectId, fieldName: 'data' })).toMatchObject({ content: [{ table: 'users' }], version: 1 });
    expect((await owner.versions.field({ projectId, fieldName: 'features' })).version).toBe(0);
  });

  it('saves against the version read, records who saved it, and refuses a stale version with CONFLICT changing nothing', async () => {
    const { id: projectId } = await owner.projects.create({ title: 'Saving', features: [{ name: 'Login', status: 'done' }] });
    const read = await member.versions.field({ projectId, fieldName: 'features' });
    expect(read.version).toBe(1);

    const saved = await member.versions.saveField({
      projectId,
      fieldName: 'features',
      content: [...read.content, { name: 'Search', status: 'planned' }],
      expectedVersion: read.version,
      changeSummary: 'Added search',
    });
    expect(saved).toMatchObject({ version: 2, updatedBy: 'grace@example.com' });
    expect((await owner.projects.byId({ id: projectId })).features).toEqual([
      { name: 'Login', status: 'done' },
      { name: 'Search', status: 'planned' },
    ]);
    const [latest] = (await owner.versions.list({ projectId, fieldName: 'features' })).items;
    expect(latest).toMatchObject({ versionNumber: 2, changeType: 'update', changeSummary: 'Added search', createdBy: 'grace@example.com' });

    // Someone saving from what they read before that save is refused, and nothing is written.
    const before = await owner.versions.list({ projectId, fieldName: 'features' });
    await expect(owner.versions.saveField({ projectId, fieldName: 'features', content: [], expectedVersion: read.version })).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining('at version 2, your edit was based on version 1'),
    });
    expect((await owner.projects.byId({ id: projectId })).features).toHaveLength(2);
    expect(await owner.versions.list({ projectId, fieldName: 'features' })).toEqual(before);
  });

  it('counts a restore and a projects.update as changes a stale save must not overwrite', async () => {
    const { id: projectId } = await owner.projects.create({ title: 'Restoring' });
    await owner.versions.saveField({ projectId, fieldName: 'data', content: [{ v: 1 }], expectedVersion: 0 });
    const { version } = await owner.versions.saveField({ projectId, fieldName: 'data', content: [{ v: 2 }], expectedVersion: 1 });
    expect(version).toBe(2);

    await member.versions.restore({ projectId, fieldName: 'data', versionNumber: 1 });
    const afterRestore = await owner.versions.field({ projectId, fieldName: 'data' });
    expect(afterRestore).toMatchObject({ content: [{ v: 1 }], version: 4, updatedBy: 'grace@example.com' });
    const history = await owner.versions.list({ projectId, fieldName: 'data' });
    expect(history.items.map((v) => [v.versionNumber, v.changeType, v.createdBy])).toEqual([
      [4, 'restore', 'grace@example.com'],
      [3, 'backup', 'grace@example.com'],
      [2, 'update', 'Ada Lovelace'],
      [1, 'update', 'Ada Lovelace'],
    ]);
    await expect(owner.versions.saveField({ projectId, fieldName: 'data', content: [], expectedVersion: 2 })).rejects.toMatchObject({
      code: 'CONFLICT',
    });

    await owner.projects.update({ id: projectId, data: [{ v: 3 }] });
    await expect(owner.versions.saveField({ projectId, fieldName: 'data', content: [], expectedVersion: 4 })).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    // Without expectedVersion the save goes through, as projects.update does.
    expect(await owner.versions.saveField({ projectId, fieldName: 'data', content: [] })).toMatchObject({ content: [], version: 6 });
  });

  it('takes a save based on the version before a manual snapshot: the snapshot changed nothing it would overwrite', async () => {
    const { id: projectId } = await owner.projects.create({ title: 'Snapshotting' });
    const read = await owner.versions.saveField({ projectId, fieldName: 'features', content: [{ name: 'one' }], expectedVersion: 0 });
    // Someone snapshots the list while an editor has it open at version 1.
    await member.versions.create({ projectId, fieldName: 'features', changeSummary: 'Before the rework' });
    await member.versions.create({ projectId, fieldName: 'features' });
    expect((await owner.versions.field({ projectId, fieldName: 'features' })).version).toBe(3);
    const saved = await owner.versions.saveField({ projectId, fieldName: 'features', content: [{ name: 'two' }], expectedVersion: read.version });
    expect(saved).toMatchObject({ content: [{ name: 'two' }], version: 4 });
    // A change after the snapshot still counts: a save based on the snapshot's version or earlier is refused.
    await expect(owner.versions.saveField({ projectId, fieldName: 'features', content: [], expectedVersion: read.version })).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    await expect(owner.versions.saveField({ projectId, fieldName: 'features', content: [], expectedVersion: 3 })).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    // And a version that does not exist yet is no base at all.
    await expect(owner.versions.saveField({ projectId, fieldName: 'features', content: [], expectedVersion: 9 })).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    expect((await owner.versions.field({ projectId, fieldName: 'features' })).content).toEqual([{ name: 'two' }]);
  });

  it('refuses bad input by field, an unknown project as NOT_FOUND, and a viewer as FORBIDDEN', async () => {
    const { id: projectId } = await owner.projects.create({ title: 'Refusals' });
    const refused = (input: unknown) => owner.versions.saveField(input as never);
    await expect(refused({ projectId, fieldName: 'features', content: { not: 'a list' } })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(refused({ projectId, fieldName: 'docs', content: [] })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(refused({ projectId, fieldName: 'features', content: [], expectedVersion: -1 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(refused({ projectId, fieldName: 'features', content: ['a\0b'] })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(refused({ projectId, fieldName: 'features', content: Array.from({ length: 1001 }, () => 1) })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    await expect(owner.versions.saveField({ projectId: UNKNOWN_ID, fieldName: 'data', content: [] })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(owner.versions.field({ projectId: UNKNOWN_ID, fieldName: 'data' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(viewer.versions.saveField({ projectId, fieldName: 'data', content: [] })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(await viewer.versions.field({ projectId, fieldName: 'data' })).toMatchObject({ version: 0 });
    expect((await owner.versions.list({ projectId, fieldName: 'features' })).total).toBe(0);
  });
});
