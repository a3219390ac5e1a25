import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../db/types';
import { type Embedder, EmbeddingError } from '../../server/services/embeddings/types';
import { countStaleEmbeddings, reembedBatch } from '../../server/services/ingest/reembed';
import { createJob } from '../../server/services/jobs/jobs';
import { createTestDatabase } from '../helpers/db';

/**
 * The batches of a re-embedding job, driven as inngest/functions/reembed.ts
 * drives them: rows the provider refuses are skipped for the rest of the job,
 * and the job goes on until nothing else is left to try.
 */
let database: DatabaseHandle;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.close();
});

const DIM = 8;
const embedder: Embedder = {
  model: 'model-two',
  dimensions: DIM,
  async embed(texts) {
    if (texts.some((t) => t.includes('REFUSED'))) throw new EmbeddingError('provider 500');
    return texts.map(() => Array.from({ length: DIM }, (_, i) => i + 1));
  },
};

async function seed(id: string, n: number, word: string) {
  const db = database.db;
  await db.execute(sql`insert into sources (id, kind, title) values (${id}, 'url', ${id})`);
  await db.execute(
    sql`insert into pages (source_id, url, content, content_hash, char_count, word_count) values (${id}, ${`https://docs.example/${id}`}, 'p', 'h', 1, 1)`,
  );
  await db.execute(sql`insert into chunks (source_id, page_id, chunk_index, content, char_count, content_hash)
    select ${id}, (select id from pages where source_id = ${id}), g, ${word} || ' chunk ' || g, 10, 'h' || g from generate_series(1, ${n}) g`);
}

it('re-embeds every row it can, though rows that failed were deleted while it ran', async () => {
  // The refused rows come first, so the first batch fails them.
  await seed('refused', 200, 'REFUSED');
  await seed('fine', 900, 'fine');
  const job = await createJob(database.db, { kind: 'reembed', sourceId: null, input: {} });
  const deps = { db: database.db, embedder, embedding: { batchSize: 100, concurrency: 1 } };
  const skip = { chunks: [] as number[], codeExamples: [] as number[] };
  let batches = 0;
  for (let i = 0; i < 20; i++) {
    const result = await reembedBatch(deps, job.id, skip);
    batches++;
    skip.chunks.push(...result.failed.chunks);
    skip.codeExamples.push(...result.failed.codeExamples);
    // Someone deletes the source whose rows failed (or a refresh replaces them).
    if (i === 0) await database.db.execute(sql`delete from sources where id = 'refused'`);
    if (result.remaining === 0 || result.done + result.failed.chunks.length + result.failed.codeExamples.length === 0) break;
  }
  expect(await countStaleEmbeddings(database.db, embedder)).toEqual({ chunks: 0, codeExamples: 0 });
  expect(batches).toBe(3);
});
