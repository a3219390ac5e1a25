import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setRuntime } from '../../server/runtime/global';
import { connectMcp, createKeys, type McpHost, startMcpHost, textOf, trpcOver } from '../helpers/mcp';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';

// Bad input to the task tools and procedures is refused by the parameter it came in, in the caller's own words.

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

describe('find_tasks', () => {
  it('names filter_value, its own parameter, when an assignee to filter by is not one line', async () => {
    const { client } = await connectMcp(host.url, keys.read);
    const result = await client.callTool({ name: 'find_tasks', arguments: { filter_by: 'assignee', filter_value: 'Coding\nAgent' } });
    expect(result.isError).toBe(true);
    // find_tasks has no parameter named assignee.
    expect(textOf(result)).toBe('Invalid arguments: filter_value: must be a single line');
    await client.close();
  });
});

describe('a subtask whose parent cannot be one', () => {
  it('is refused by parent_task_id over MCP, and by parentId over tRPC', async () => {
    const { client } = await connectMcp(host.url, keys.write);
    const trpc = trpcOver(host.url, keys.write);
    const mine = await rt.caller.projects.create({ title: 'Mine' });
    const other = await rt.caller.projects.create({ title: 'Other' });
    const elsewhere = await rt.caller.tasks.create({ projectId: other.id, title: 'Elsewhere' });
    const parent = await rt.caller.tasks.create({ projectId: mine.id, title: 'Parent' });
    const sub = await rt.caller.tasks.create({ projectId: mine.id, title: 'Sub', parentId: parent.id });

    const stray = await client.callTool({
      name: 'manage_task',
      arguments: { action: 'create', project_id: mine.id, title: 'Stray', parent_task_id: elsewhere.id },
    });
    expect(textOf(stray)).toMatch(/^Invalid arguments: parent_task_id: /);
    const deep = await client.callTool({
      name: 'manage_task',
      arguments: { action: 'create', project_id: mine.id, title: 'Deep', parent_task_id: sub.id },
    });
    expect(textOf(deep)).toMatch(/^Invalid arguments: parent_task_id: /);
    await expect(trpc.tasks.create.mutate({ projectId: mine.id, title: 'Stray', parentId: elsewhere.id })).rejects.toMatchObject({
      data: { code: 'BAD_REQUEST', field: 'parentId' },
    });
    expect((await rt.caller.tasks.list({ projectId: mine.id })).total).toBe(2);
    await client.close();
  });
});
