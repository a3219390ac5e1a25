import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRuntime, jobSettled, type TestRuntime } from '../helpers/runtime';

let rt: TestRuntime;
let sourceId: string;

const MARKDOWN = `# Widget client

Create a client before calling the widget service, and close it when done.

\`\`\`ts
import { createWidgetClient } from 'widgets';
const client = createWidgetClient({ endpoint: 'https://widgets.example', retries: 3 });
await client.close();
\`\`\`
`;

beforeAll(async () => {
  rt = await createTestRuntime({ runner: true, env: { EMBEDDING_DIMENSIONS: '64' } });
  const job = await jobSettled(
    rt,
    (await rt.caller.knowledge.upload({ files: [{ name: 'widgets.md', contentBase64: Buffer.from(MARKDOWN).toString('base64') }] })).id,
  );
  expect(job.status).toBe('completed');
  sourceId = job.sourceId!;
});
afterAll(async () => {
  await rt?.close();
});

describe('code examples by language', () => {
  it('stores a ```ts block as typescript', async () => {
    const listed = await rt.caller.knowledge.listCodeExamples({ sourceId });
    expect(listed.languages).toEqual([{ language: 'typescript', count: 1 }]);
  });

  it('finds it when searching with the language as the fence named it (ts) or capitalised (TypeScript)', async () => {
    for (const language of ['typescript', 'ts', 'TypeScript']) {
      const res = await rt.caller.knowledge.searchCode({ query: 'createWidgetClient', mode: 'fulltext', language, sourceIds: [sourceId] });
      expect(
        res.results.map((r) => r.language),
        language,
      ).toEqual(['typescript']);
    }
  });

  it('lists it when filtering by ts or TypeScript, as search does', async () => {
    for (const language of ['typescript', 'ts', 'TypeScript']) {
      const listed = await rt.caller.knowledge.listCodeExamples({ sourceId, language });
      expect(listed.total, language).toBe(1);
    }
  });
});
