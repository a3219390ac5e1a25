import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setRuntime } from '../../server/runtime/global';
import { connectMcp, createKeys, type McpHost, startMcpHost, structured } from '../helpers/mcp';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';

// find_versions reads a long document version 20,000 characters at a time, and its notice says "Read on with
// offset N", as find_documents does: the offset it names must be one the tool takes, or the rest of an
// earlier version cannot be read at all.

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

describe('find_versions with version_number', () => {
  it('reads the rest of a long version from the offset its notice gives', async () => {
    const { client } = await connectMcp(host.url, keys.write);
    const project = await rt.caller.projects.create({ title: 'Long versions' });
    const long = `${'x'.repeat(20_000)}the end`;
    const doc = await rt.caller.documents.create({ projectId: project.id, title: 'Long', content: long });
    await rt.caller.documents.update({ id: doc.id, content: 'short now' });
    const args = { project_id: project.id, document_id: doc.id, version_number: 1 };
    const first = structured(await client.callTool({ name: 'find_versions', arguments: args })).version;
    expect(first.notice).toBe('This has 20007 characters; this is 0–20000. Read on with offset 20000.');
    const rest = structured(await client.callTool({ name: 'find_versions', arguments: { ...args, offset: 20_000 } })).version;
    expect(rest.content).toBe('the end');
    expect(rest.notice).toBeNull();
    await client.close();
  });
});
