import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDbKind } from '../helpers/db';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';

// Only one project is pinned at a time (projects.ts), also when people pin projects at the same moment in two
// sessions of a PostgreSQL server. PGlite has one connection, so there the writes simply run one after the other.

let rt: TestRuntime;
beforeAll(async () => {
  rt = await createTestRuntime({ poolMax: 6 });
});
afterAll(async () => {
  await rt?.close();
});

const pinned = async () => (await rt.caller.projects.list({ limit: 200 })).items.filter((p) => p.pinned).map((p) => p.title);

describe('pinning projects at once', () => {
  it('leaves one project pinned when several are pinned by projects.update at the same time', async () => {
    const projects = await Promise.all(Array.from({ length: 6 }, (_, i) => rt.caller.projects.create({ title: `Update ${i}` })));
    await Promise.all(projects.map((p) => rt.caller.projects.update({ id: p.id, pinned: true })));
    expect(await pinned()).toHaveLength(1);
  });

  it('leaves one project pinned when several are created pinned at the same time', async () => {
    await Promise.all(Array.from({ length: 6 }, (_, i) => rt.caller.projects.create({ title: `Create ${i}`, pinned: true })));
    expect(await pinned()).toHaveLength(1);
  });

  it.runIf(testDbKind() === 'postgres')('does not deadlock when pins and other edits of the pinned projects cross', async () => {
    const projects = await Promise.all(Array.from({ length: 4 }, (_, i) => rt.caller.projects.create({ title: `Cross ${i}`, pinned: i === 0 })));
    await Promise.all(
      projects.flatMap((p, i) => [
        rt.caller.projects.update({ id: p.id, pinned: true }),
        rt.caller.projects.update({ id: p.id, title: `Cross ${i} renamed` }),
        rt.caller.projects.update({ id: projects[(i + 1) % projects.length]!.id, pinned: true, description: 'x' }),
      ]),
    );
    expect(await pinned()).toHaveLength(1);
  });
});
