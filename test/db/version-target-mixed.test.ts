import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setRuntime } from '../../server/runtime/global';
import { connectMcp, createKeys, type McpHost, startMcpHost, textOf, trpcOver } from '../helpers/mcp';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';

// Versions belong to a document or to a project's features or data list, never both: versions.* refuse a
// target naming both, and so do find_versions and manage_version, rather than picking the document.

let rt: TestRuntime;
let host: McpHost;
let keys: Awaited<ReturnType<typeof createKeys>>;
beforeAll(async () => {
  rt = await createTestRuntime();
  setRuntime(rt);
  keys = await createKeys(rt.database.db);
  host = await startMcpHost(rt);
});
afterAll(async () => {
  await host?.close();
  await rt?.close();
});

describe('a version target naming a document and a field', () => {
  it('is refused over tRPC and by the MCP tools alike, and restores nothing', async () => {
    const { client } = await connectMcp(host.url, keys.write);
    const trpc = trpcOver(host.url, keys.write);
    const project = await rt.caller.projects.create({ title: 'Both targets', features: ['one'] });
    await rt.caller.projects.update({ id: project.id, features: ['one', 'two'] });
    const doc = await rt.caller.documents.create({ projectId: project.id, title: 'Doc', content: 'first' });
    await rt.caller.documents.update({ id: doc.id, content: 'second' });

    await expect(trpc.versions.list.query({ documentId: doc.id, projectId: project.id, fieldName: 'features' })).rejects.toMatchObject({
      data: { code: 'BAD_REQUEST' },
    });
    await expect(
      trpc.versions.restore.mutate({ documentId: doc.id, projectId: project.id, fieldName: 'features', versionNumber: 1 }),
    ).rejects.toMatchObject({ data: { code: 'BAD_REQUEST' } });

    const listed = await client.callTool({
      name: 'find_versions',
      arguments: { project_id: project.id, document_id: doc.id, field_name: 'features' },
    });
    expect(listed.isError).toBe(true);
    expect(textOf(listed)).toMatch(/^Invalid arguments: document_id/);
    const restored = await client.callTool({
      name: 'manage_version',
      arguments: { action: 'restore', project_id: project.id, document_id: doc.id, field_name: 'features', version_number: 1 },
    });
    expect(restored.isError).toBe(true);
    expect(textOf(restored)).toMatch(/^Invalid arguments: document_id/);
    // Neither the document nor the features were restored.
    expect((await rt.caller.documents.byId({ id: doc.id })).content).toBe('second');
    expect((await rt.caller.projects.byId({ id: project.id })).features).toEqual(['one', 'two']);
    await client.close();
  });
});
