import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR, migrationStatus, readJournal, runMigrations } from '../../db/migrate';
import { chunks, pages, sources } from '../../db/schema';
import { queryRows } from '../../db/sql';
import type { DatabaseHandle } from '../../db/types';
import { embeddingExpr, ensureVectorIndexes, indexedDistance, indexType, queryVectorParam, vectorIndexName } from '../../db/vector-index';
import { createTestDatabase } from '../helpers/db';

let handle: DatabaseHandle;
beforeAll(async () => {
  handle = await createTestDatabase();
});
afterAll(async () => {
  await handle?.close();
});

const unit = (dim: number, hot: number) => Array.from({ length: dim }, (_, i) => (i === hot ? 1 : 0.001));

async function seedPage(sourceId: string) {
  await handle.db.insert(sources).values({ id: sourceId, kind: 'url', title: sourceId, url: `https://${sourceId}.test/` });
  const [page] = await handle.db
    .insert(pages)
    .values({ sourceId, url: `https://${sourceId}.test/a`, title: 'A', content: 'x', contentHash: 'h', charCount: 1, wordCount: 1 })
    .returning({ id: pages.id });
  return page!.id;
}

describe('migrations', () => {
  it('are all applied and re-running them changes nothing', async () => {
    const status = await migrationStatus(handle);
    expect(status).toEqual({ current: true, applied: readJournal().length, expected: readJournal().length, pending: [] });
    await runMigrations(handle);
    expect((await migrationStatus(handle)).applied).toBe(readJournal().length);
  });

  it('report a migration that exists on disk but not in the database as pending', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'archon-migrations-'));
    fs.cpSync(MIGRATIONS_DIR, dir, { recursive: true });
    const journalPath = path.join(dir, 'meta', '_journal.json');
    const journal = JSON.parse(fs.readFileSync(journalPath, 'utf8'));
    journal.entries.push({ idx: journal.entries.length, version: '7', when: Date.now() + 60_000, tag: '9999_future', breakpoints: true });
    fs.writeFileSync(journalPath, JSON.stringify(journal));
    const status = await migrationStatus(handle, dir);
    fs.rmSync(dir, { recursive: true, force: true });
    expect(status).toMatchObject({ current: false, pending: ['9999_future'] });
  });

  it('created the vector extension first', async () => {
    const [row] = await queryRows<{ extversion: string }>(handle.db, sql`select extversion from pg_extension where extname = 'vector'`);
    expect(row?.extversion).toMatch(/^0\.(5|6|7|8|9)/);
  });
});

describe('embedding dimensions', () => {
  it.each([384, 768, 3072])('indexes and searches %i-dimensional vectors end to end', async (dim) => {
    await ensureVectorIndexes(handle.db, dim);
    const indexes = await queryRows<{ indexname: string }>(
      handle.db,
      sql`select indexname from pg_indexes where tablename = 'chunks' and indexname = ${vectorIndexName(handle.db, 'chunks', dim)}`,
    );
    expect(indexes).toHaveLength(1);

    const sourceId = `dim${dim}`;
    const pageId = await seedPage(sourceId);
    await handle.db.insert(chunks).values(
      [0, 1, 2].map((hot) => ({
        sourceId,
        pageId,
        chunkIndex: hot,
        content: `chunk ${hot}`,
        charCount: 7,
        contentHash: `h${hot}`,
        embedding: unit(dim, hot),
        embeddingDim: dim,
        embeddingModel: 'test',
      })),
    );
    const distance = indexedDistance(handle.db, 'chunks', dim, queryVectorParam(unit(dim, 2)));
    const rows = await queryRows<{ chunk_index: number }>(
      handle.db,
      sql`select chunk_index from chunks where embedding_dim = ${dim} and source_id = ${sourceId} order by ${distance} limit 3`,
    );
    expect(rows[0]!.chunk_index).toBe(2);
    expect(rows.map((r) => r.chunk_index).sort()).toEqual([0, 1, 2]);
  });

  it('uses the partial HNSW index for a query of the configured dimension', async () => {
    const plan = await handle.db.transaction(async (tx) => {
      await tx.execute(sql`set local enable_seqscan = off`);
      return queryRows<{ 'QUERY PLAN': string }>(
        tx,
        sql`explain select id from chunks where indexed_dim = 384 order by ${indexedDistance(handle.db, 'chunks', 384, queryVectorParam(unit(384, 1)))} limit 5`,
      );
    });
    expect(plan.map((p) => p['QUERY PLAN']).join('\n')).toContain(vectorIndexName(handle.db, 'chunks', 384));
  });

  it('replaces indexes of an earlier layout (old name, type or predicate) with the current one, idempotently', async () => {
    const old = (name: string, table: string, dim: number, type: string) =>
      sql.raw(`create index "${name}" on "${table}" using hnsw ((embedding::${type}(${dim})) ${type}_cosine_ops) where embedding_dim = ${dim}`);
    const other = indexType(handle.db, 512) === 'vector' ? 'halfvec' : 'vector';
    for (const table of ['chunks', 'code_examples'] as const) {
      await handle.db.execute(old(`${table}_embedding_512_hnsw`, table, 512, 'vector'));
      await handle.db.execute(old(`${table}_embedding_512_${other}_hnsw`, table, 512, other));
      // The current name, but covering rows by the old column.
      await handle.db.execute(old(vectorIndexName(handle.db, table, 2500), table, 2500, 'halfvec'));
    }
    await ensureVectorIndexes(handle.db, 512);
    await ensureVectorIndexes(handle.db, 2500);
    await ensureVectorIndexes(handle.db, 512); // idempotent

    const found = await queryRows<{ indexname: string; indexdef: string }>(
      handle.db,
      sql`select indexname, indexdef from pg_indexes where indexname ~ '_embedding_(512|2500)_' order by indexname`,
    );
    const expected = (['chunks', 'code_examples'] as const).flatMap((t) => [2500, 512].map((dim) => vectorIndexName(handle.db, t, dim)));
    expect(found.map((n) => n.indexname)).toEqual(expected);
    for (const [i, dim] of [2500, 512, 2500, 512].entries()) {
      expect(found[i]!.indexdef).toContain(`${indexType(handle.db, dim)}_cosine_ops`);
      expect(found[i]!.indexdef).toContain(`WHERE (indexed_dim = ${dim})`);
    }
    expect(indexType(handle.db, 512)).toBe(process.env.ARCHON_TEST_DB === 'postgres' ? 'halfvec' : 'vector');
  });

  it('refuses a vector whose length differs from its recorded dimension', async () => {
    const pageId = await seedPage('mismatch');
    await expect(
      handle.db.insert(chunks).values({
        sourceId: 'mismatch',
        pageId,
        chunkIndex: 0,
        content: 'x',
        charCount: 1,
        contentHash: 'h',
        embedding: unit(384, 0),
        embeddingDim: 1536,
        embeddingModel: 'test',
      }),
    ).rejects.toThrow();
  });

  it('rejects dimensions that cannot be indexed', () => {
    expect(() => embeddingExpr(handle.db, 'chunks', 0)).toThrow(RangeError);
    expect(() => embeddingExpr(handle.db, 'chunks', 4001)).toThrow(/1 to 4000/);
  });
});

describe('full-text weighting', () => {
  it('ranks a title match above the same word in the body', async () => {
    const pageId = await seedPage('fts');
    await handle.db.insert(chunks).values([
      { sourceId: 'fts', pageId, chunkIndex: 0, title: 'Intro', content: 'the vacuum process reclaims storage', charCount: 10, contentHash: 'a' },
      {
        sourceId: 'fts',
        pageId,
        chunkIndex: 1,
        title: 'Vacuum',
        headingPath: ['Maintenance'],
        content: 'reclaims storage',
        charCount: 10,
        contentHash: 'b',
      },
    ]);
    const rows = await queryRows<{ chunk_index: number }>(
      handle.db,
      sql`select chunk_index from chunks where source_id = 'fts' and search @@ websearch_to_tsquery('english', 'vacuum')
          order by ts_rank_cd(search, websearch_to_tsquery('english', 'vacuum')) desc`,
    );
    expect(rows.map((r) => r.chunk_index)).toEqual([1, 0]);
  });
});
