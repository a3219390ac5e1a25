import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRuntime, jobSettled, type TestRuntime } from '../helpers/runtime';

let rt: TestRuntime;

beforeAll(async () => {
  rt = await createTestRuntime({ runner: true, env: { EMBEDDING_DIMENSIONS: '64' } });
});
afterAll(async () => {
  await rt?.close();
});

const upload = async (name: string, text: string) =>
  jobSettled(rt, (await rt.caller.knowledge.upload({ files: [{ name, contentBase64: Buffer.from(text).toString('base64') }] })).id);

describe('source settings', () => {
  it('refuses a refresh schedule for an uploaded source, naming the field, rather than storing one that never runs', async () => {
    const job = await upload('notes.md', '# Notes\n\nSome notes about widgets.');
    expect(job.status).toBe('completed');
    await expect(rt.caller.knowledge.updateSource({ id: job.sourceId!, refreshInterval: 'daily' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/^refreshInterval: /),
    });
    const source = await rt.caller.knowledge.source({ id: job.sourceId! });
    expect(source).toMatchObject({ refreshInterval: 'off', nextRefreshAt: null });
    // Turning it off (what the dashboard's form holds for an upload) is still fine.
    await expect(rt.caller.knowledge.updateSource({ id: job.sourceId!, refreshInterval: 'off', title: 'My notes' })).resolves.toMatchObject({
      title: 'My notes',
    });
  });
});
