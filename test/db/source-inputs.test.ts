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

describe('limits counted after trimming', () => {
  it('takes a summary of 2000 characters pasted with a trailing line break, and a 200-character filter with a space around it', async () => {
    const job = await upload('summary.md', '# Summary\n\nA source to write a summary for.');
    const summary = 's'.repeat(2000);
    await expect(rt.caller.knowledge.updateSource({ id: job.sourceId!, summary: `${summary}\n` })).resolves.toMatchObject({ summary });
    const query = 'q'.repeat(200);
    await expect(rt.caller.knowledge.sources({ query: ` ${query} ` })).resolves.toMatchObject({ total: 0 });
    await expect(rt.caller.knowledge.listPages({ sourceId: job.sourceId!, query: `${query}\n` })).resolves.toMatchObject({ total: 0 });
    await expect(rt.caller.knowledge.listCodeExamples({ sourceId: job.sourceId!, query: `${query} ` })).resolves.toMatchObject({ total: 0 });
    // Past the limit once trimmed is still refused by name.
    await expect(rt.caller.knowledge.updateSource({ id: job.sourceId!, summary: `${summary}s` })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/summary.*at most 2000/s),
    });
  });
});

describe('listing an upload by file name', () => {
  it('finds a file whose name has a space by that name, though its page URL escapes it (file://My%20Notes.md)', async () => {
    const job = await upload('My Notes.md', '# Meeting\n\nWhat was said at the meeting.');
    const listed = await rt.caller.knowledge.listPages({ sourceId: job.sourceId!, query: 'My Notes' });
    expect(listed.items.map((p) => p.url)).toEqual(['file://My%20Notes.md']);
  });
});
