import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setRuntime } from '../../server/runtime/global';
import { connectMcp, createKeys, type McpHost, startMcpHost, textOf, trpcOver } from '../helpers/mcp';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';

// A features or data entry holding a lone UTF-16 surrogate passed the schema, then PostgreSQL refused the JSON, and the
// caller was told "Invalid value: invalid input syntax for type json" with no field named. Text columns take the same
// string (turned into U+FFFD), so only the JSON lists failed this way.

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

describe('a features or data entry with a lone surrogate', () => {
  it('is refused by the field it is in, over tRPC and MCP', async () => {
    const trpc = trpcOver(host.url, keys.write);
    const project = await rt.caller.projects.create({ title: 'Surrogates' });
    await expect(trpc.projects.create.mutate({ title: 'P', features: ['broken \uD800'] })).rejects.toThrow(/features\.0/);
    await expect(trpc.versions.saveField.mutate({ projectId: project.id, fieldName: 'data', content: [{ 'key \uDC00': 1 }] })).rejects.toThrow(
      /content\.0/,
    );
    const { client } = await connectMcp(host.url, keys.write);
    const result = await client.callTool({ name: 'manage_project', arguments: { action: 'update', project_id: project.id, features: ['\uD800'] } });
    expect(textOf(result)).toMatch(/^Invalid arguments: features\.0: /);
    await client.close();
  });
});
