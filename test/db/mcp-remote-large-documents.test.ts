import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeys, textOf } from '../helpers/mcp';
import { stdioClients } from '../helpers/mcp-stdio';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';
import { startTrpcHost } from '../helpers/trpc-host';

// `archon mcp` against a remote Archon (tRPC over HTTP) next to `archon mcp` on the local database, as the same key:
// the same tool call must be allowed, refused and answered alike.

let rt: TestRuntime;
let keys: Awaited<ReturnType<typeof createKeys>>;
let trpcHost: { url: string; close(): Promise<void> };
const stdio = stdioClients(() => ({ rt, url: trpcHost.url }));

beforeAll(async () => {
  rt = await createTestRuntime({ runner: true });
  keys = await createKeys(rt.database.db);
  trpcHost = await startTrpcHost(rt);
}, 120_000);

afterAll(async () => {
  await stdio.closeAll();
  await trpcHost?.close();
  await rt?.close();
});

describe('archon mcp remotely, with large inputs the tools allow', () => {
  it('creates a project document of 2,000,000 characters (the most manage_document takes) that are not ASCII, as the local mode does', async () => {
    const key = keys.write;
    const project = await rt.caller.projects.create({ title: 'Big documents' });
    const content = '設計'.repeat(1_000_000);
    const answers: Record<string, string> = {};
    for (const [mode, client] of [
      ['local', await stdio.local(key)],
      ['remote', await stdio.remote(key)],
    ] as const) {
      const made = await client.callTool({
        name: 'manage_document',
        arguments: { action: 'create', project_id: project.id, title: `Design (${mode})`, content },
      });
      answers[mode] = `${made.isError ? 'error: ' : ''}${textOf(made)
        .replace(/[0-9a-f-]{36}/g, 'ID')
        .replace(/\((local|remote)\)/, '(mode)')}`;
    }
    expect(answers.local).toMatch(/^Created Design \(mode\) \[document_id ID\].*2000000 chars$/);
    expect(answers.remote).toBe(answers.local);
  });
});
