import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRouter, createCaller } from '../../server/routers/_app';
import { setupOwner } from '../../server/services/auth/accounts';
import { createContextInner } from '../../server/trpc/context';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';

/**
 * Every query can be called with no input unless it truly needs something
 * (an id, a parent, a search text): lists default their paging and filters.
 * A new query that needs input must be named here, so it is a decision.
 */
const NEEDS_INPUT = [
  'projects.byId',
  'projects.summary',
  'projects.features',
  'projects.sources',
  // Lists inside a parent: the parent is required, everything else has a default.
  'documents.list',
  'documents.byId',
  'versions.list',
  'versions.get',
  'versions.field',
  'tasks.byId',
  'tasks.board',
  'tasks.links',
  'tasks.history',
  'jobs.get',
  'knowledge.source',
  'knowledge.listChunks',
  'knowledge.listCodeExamples',
  'knowledge.sourceStatuses',
  'knowledge.uploadFiles',
  'knowledge.listPages',
  'knowledge.readPage',
  'knowledge.search',
  'knowledge.searchCode',
];

let rt: TestRuntime;
// A person, not the system: some queries (one's own keys) are about the caller.
let owner: ReturnType<typeof createCaller>;
beforeAll(async () => {
  rt = await createTestRuntime();
  const user = await setupOwner(rt.database.db, { email: 'owner@example.com', password: 'a long enough password 1' });
  owner = createCaller(
    createContextInner({
      runtime: rt,
      principal: { kind: 'session', userId: user.id, email: user.email, role: 'owner', capabilities: ['read', 'write', 'admin'] },
    }),
  );
});
afterAll(async () => {
  await rt?.close();
});

const queries = Object.entries(appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>)
  .filter(([, p]) => p._def.type === 'query')
  .map(([path]) => path);

async function callWithoutInput(path: string): Promise<string> {
  const segments = path.split('.');
  const parent = segments.slice(0, -1).reduce((node: any, key) => node[key], owner) as Record<string, () => Promise<unknown>>;
  try {
    await parent[segments.at(-1)!]!();
    return 'ok';
  } catch (err) {
    return err instanceof TRPCError ? `${err.code}: ${err.message}` : `threw ${String(err)}`;
  }
}

describe('query inputs', () => {
  it('every list and every query without a required field answers a call with no input', async () => {
    expect(queries.length).toBeGreaterThan(25);
    const outcomes = Object.fromEntries(await Promise.all(queries.map(async (path) => [path, await callWithoutInput(path)] as const)));
    const ok = queries.filter((q) => outcomes[q] === 'ok');
    expect(ok.sort()).toEqual(queries.filter((q) => !NEEDS_INPUT.includes(q)).sort());
    for (const path of NEEDS_INPUT) expect(outcomes[path], path).toMatch(/^BAD_REQUEST: /);
    for (const list of ['projects.list', 'tasks.list', 'jobs.list', 'users.audit', 'auth.apiKeys.list', 'knowledge.sources'])
      expect(outcomes[list], list).toBe('ok');
  });

  it('applies the same defaults to no input as to an empty object', async () => {
    await rt.caller.projects.create({ title: 'Listed' });
    const none = await rt.caller.projects.list();
    expect(none).toMatchObject({ limit: 50, offset: 0, total: 1 });
    expect(await rt.caller.projects.list({})).toEqual(none);
    expect(await rt.caller.jobs.list()).toMatchObject({ limit: 50, offset: 0 });
    expect(await rt.caller.tasks.list()).toEqual(await rt.caller.tasks.list({}));
  });
});
