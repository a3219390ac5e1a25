import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';
import { waitFor } from '../helpers/wait';

/** A summary a person writes through knowledge.updateSource: what counts as writing one. */
let rt: TestRuntime;

beforeAll(async () => {
  rt = await createTestRuntime({ runner: true, env: { EMBEDDING_DIMENSIONS: '64' } });
});
afterAll(async () => {
  await rt?.close();
});

async function upload(text: string, sourceId?: string) {
  const job = await rt.caller.knowledge.upload({
    files: [{ name: 'notes.md', contentBase64: Buffer.from(text).toString('base64') }],
    ...(sourceId ? { sourceId } : { title: 'Notes' }),
  });
  const done = await waitFor(
    async () => {
      const j = await rt.caller.jobs.get({ id: job.id });
      return j.finishedAt ? j : null;
    },
    60_000,
    `upload ${job.id}`,
  );
  expect(done.status).toBe('completed');
  return done.sourceId!;
}

describe('a summary of only spaces', () => {
  it('hands the summary back to the next upload, as an empty one does, instead of keeping blanks for good', async () => {
    const sourceId = await upload('# Notes\n\nThe gizmo calibrates the sprockets every morning.\n');
    expect((await rt.caller.knowledge.source({ id: sourceId })).summary).toMatch(/gizmo/);

    const saved = await rt.caller.knowledge.updateSource({ id: sourceId, summary: '  \n\t ' });
    expect(saved.summary).toBe('');
    await upload('# Notes\n\nThe gizmo now calibrates the flanges every evening.\n', sourceId);
    expect((await rt.caller.knowledge.source({ id: sourceId })).summary).toMatch(/flanges/);
  });

  it('keeps words a person wrote without the spaces around them', async () => {
    const sourceId = await upload('# Other\n\nThe widget hums.\n');
    const saved = await rt.caller.knowledge.updateSource({ id: sourceId, summary: '  My words.\n' });
    expect(saved.summary).toBe('My words.');
  });
});
