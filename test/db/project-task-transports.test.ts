import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setRuntime } from '../../server/runtime/global';
import { createKeys, type McpHost, startMcpHost } from '../helpers/mcp';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';

// Projects, tasks and documents reached over each transport (tRPC over HTTP, the MCP tools over HTTP) agree,
// refuse bad input by field rather than failing, and lose nothing when writes race.

let rt: TestRuntime;
let host: McpHost;
let keys: Awaited<ReturnType<typeof createKeys>>;
beforeAll(async () => {
  rt = await createTestRuntime({ poolMax: 6 });
  // tRPC over HTTP builds its context from the process's runtime.
  setRuntime(rt);
  keys = await createKeys(rt.database.db);
  host = await startMcpHost(rt);
});
afterAll(async () => {
  await host?.close();
  await rt?.close();
});

/** A tRPC call over HTTP with a superjson body as @trpc/client would send it, for values a JSON body cannot carry. */
async function postTrpc(path: string, input: unknown) {
  const res = await fetch(`${host.url}/api/trpc/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${keys.write}` },
    body: JSON.stringify(superjson.serialize(input)),
  });
  const body = (await res.json()) as { error?: { json: { message: string; data: { code: string } } } };
  return { status: res.status, error: body.error?.json };
}

describe('features and data lists', () => {
  it('refuse values JSON cannot carry by field, rather than failing or storing something else', async () => {
    const project = await rt.caller.projects.create({ title: 'Lists' });
    const cases: [string, unknown][] = [
      ['a bigint', 10n],
      ['a Map', new Map([['a', 1]])],
      ['a Set', new Set([1])],
      ['a Date', new Date(0)],
      ['NaN', Number.NaN],
      ['undefined in a list', [undefined]],
      ['a nested bigint', { count: 10n }],
    ];
    for (const [what, value] of cases) {
      const created = await postTrpc('projects.create', { title: `With ${what}`, features: [value] });
      expect({ what, status: created.status, code: created.error?.data.code }).toEqual({ what, status: 400, code: 'BAD_REQUEST' });
      expect(created.error?.message).toMatch(/^Invalid input: features\.0: must be JSON/);
      const saved = await postTrpc('versions.saveField', { projectId: project.id, fieldName: 'data', content: [value] });
      expect({ what, status: saved.status }).toEqual({ what, status: 400 });
    }
    // What JSON carries is still taken as it is, an object member left undefined included (JSON leaves it out).
    const ok = await postTrpc('projects.create', { title: 'Plain', features: [{ a: [1, 'two', null, true, { b: undefined }] }] });
    expect(ok.status).toBe(200);
    expect((await rt.caller.versions.field({ projectId: project.id, fieldName: 'data' })).content).toEqual([]);
  });
});

