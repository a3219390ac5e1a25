import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveLines } from '../../server/services/archive/archive-stream';
import { importSource } from '../../server/services/archive/import-source';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';

let rt: TestRuntime;

beforeAll(async () => {
  rt = await createTestRuntime({ env: { EMBEDDING_DIMENSIONS: '64' } });
});
afterAll(async () => {
  await rt?.close();
});

type Json = Record<string, unknown>;
const header = { format: 'archon-source', version: 1, exportedAt: '2024-01-01T00:00:00.000Z', archon: 'other', embedding: null };

/** An archive of one crawled page whose metadata holds `anchors` as another tool (or version) wrote them. */
function archive(id: string, word: string, anchors: unknown): Buffer {
  const content = `# Guide\n\n## Setup\n\nThe ${word} setup is described here.`;
  const lines: Json[] = [
    header,
    {
      type: 'source',
      id,
      kind: 'url',
      url: `https://docs.example/${id}/`,
      title: 'Imported guide',
      titleEdited: false,
      summary: null,
      knowledgeType: 'technical',
      tags: [],
      crawlOptions: {},
      refreshInterval: 'off',
      lastCrawledAt: null,
    },
    {
      type: 'page',
      url: `https://docs.example/${id}/guide`,
      title: 'Guide',
      content,
      contentHash: 'h',
      charCount: content.length,
      wordCount: 9,
      chunkCount: 1,
      etag: null,
      lastModified: null,
      metadata: { anchors },
      fetchedAt: null,
    },
    {
      type: 'chunk',
      chunkIndex: 0,
      title: 'Guide',
      headingPath: ['Guide', 'Setup'],
      content: `## Setup\n\nThe ${word} setup is described here.`,
      context: null,
      charCount: 40,
      contentHash: 'c',
    },
    { type: 'end', pages: 1, chunks: 1, codeExamples: 0 },
  ];
  return Buffer.from(`${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
}

async function* once(bytes: Buffer): AsyncGenerator<Uint8Array> {
  yield bytes;
}

describe('an imported page whose metadata anchors are not what Archon writes', () => {
  const shapes: [string, unknown][] = [
    ['a string', 'setup'],
    ['an object', { setup: 'Setup' }],
    ['a list with null', [null]],
    ['a list with a numeric text', [{ id: 'setup', text: 2 }]],
  ];
  for (const [i, [what, anchors]] of shapes.entries()) {
    it(`is still found by search (anchors: ${what})`, async () => {
      const word = `zorblax${i}`;
      const embedder = { model: rt.ingest.embedder.model, dimensions: rt.ingest.embedder.dimensions };
      const { sourceId } = await importSource(rt.database.db, archiveLines(once(archive(`imp-${i}`, word, anchors))), {
        embedder,
        onConflict: 'error',
      });
      const res = await rt.caller.knowledge.search({ query: word, mode: 'fulltext', sourceIds: [sourceId] });
      expect(res.results.map((r) => r.url)).toEqual([`https://docs.example/imp-${i}/guide`]);
    });
  }
});
