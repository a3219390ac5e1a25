import { type SQL, sql } from 'drizzle-orm';
import { postgresClient } from './driver';
import { queryRows } from './sql';
import type { Database } from './types';

export const MAX_INDEXED_DIMENSIONS = 4000;
export const EMBEDDING_TABLES = ['chunks', 'code_examples'] as const;
export type EmbeddingTable = (typeof EMBEDDING_TABLES)[number];

function assertDimension(dim: number): void {
  if (!Number.isInteger(dim) || dim < 1 || dim > MAX_INDEXED_DIMENSIONS) {
    throw new RangeError(`Embedding dimension must be an integer from 1 to ${MAX_INDEXED_DIMENSIONS}, got ${dim}`);
  }
}

/**
 * The type the index stores vectors as (the column keeps float4). On a
 * PostgreSQL server, halfvec: half the index size and, measured on a crawl of
 * the PostgreSQL manual, a quarter less database CPU per insert, for no
 * measurable loss in ranking (docs/benchmarks.md). PGlite's WebAssembly build
 * converts half floats without F16C and made the same crawl seven times
 * slower, so there `vector` stays up to its HNSW limit of 2000 dimensions.
 */
export type IndexType = 'vector' | 'halfvec';
export function indexType(db: Database, dim: number): IndexType {
  assertDimension(dim);
  return postgresClient(db) || dim > 2000 ? 'halfvec' : 'vector';
}

/**
 * The indexed expression for one dimension. Queries must order by exactly
 * this expression (see indexedDistance) and filter on `indexed_dim = dim`
 * for the partial HNSW index to apply.
 */
export function embeddingExpr(db: Database, table: EmbeddingTable, dim: number): SQL {
  return sql.raw(`("${table}"."embedding"::${indexType(db, dim)}(${dim}))`);
}

/** Cosine distance as the index computes it, to order by; `query` is a vector(dim) expression. */
export function indexedDistance(db: Database, table: EmbeddingTable, dim: number, query: SQL): SQL {
  return sql`${embeddingExpr(db, table, dim)} <=> (${query})::${sql.raw(`${indexType(db, dim)}(${dim})`)}`;
}

/** The query vector at full precision; indexedDistance casts it to the index's type. */
export function queryVectorParam(vector: number[]): SQL {
  assertDimension(vector.length);
  return sql`${JSON.stringify(vector)}::${sql.raw(`vector(${vector.length})`)}`;
}

export const vectorIndexName = (db: Database, table: EmbeddingTable, dim: number) => `${table}_embedding_${dim}_${indexType(db, dim)}_hnsw`;
/** Until November 2026 indexes were named without their type, and covered rows by `embedding_dim`. */
const legacyIndexName = (table: EmbeddingTable, dim: number) => `${table}_embedding_${dim}_hnsw`;
const PREDICATE = (dim: number) => `WHERE (indexed_dim = ${dim})`;

/**
 * HNSW build parameters. pgvector's defaults are m = 16, ef_construction = 64;
 * measured on the PostgreSQL manual (docs/benchmarks.md), m = 12 and
 * ef_construction = 40 insert twice as fast for 2.6 points less raw recall@10,
 * which a higher ef_search at query time and the full-text side of hybrid
 * search make up for.
 */
export type HnswParams = { m: number; efConstruction: number };
export const DEFAULT_HNSW: HnswParams = { m: 12, efConstruction: 40 };

/**
 * Creates the partial HNSW cosine index for the configured dimension if it is
 * missing, and drops any index of an earlier layout for that dimension (an old
 * name, type or predicate), which queries would no longer use.
 */
export async function ensureVectorIndexes(db: Database, dim: number, params: HnswParams = DEFAULT_HNSW): Promise<void> {
  const type = indexType(db, dim);
  const m = Math.trunc(params.m);
  const ef = Math.trunc(params.efConstruction);
  if (!(m >= 2 && m <= 100 && ef >= 4 && ef <= 1000 && ef >= 2 * m)) {
    throw new RangeError(`Invalid HNSW parameters m=${m}, ef_construction=${ef} (need 2 ≤ m ≤ 100 and 2·m ≤ ef_construction ≤ 1000)`);
  }
  // IF NOT EXISTS does not stop two sessions creating the same index at once
  // (several processes reloading settings together); the lock makes them take turns.
  await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${VECTOR_INDEX_LOCK})`);
    for (const table of EMBEDDING_TABLES) {
      const name = vectorIndexName(db, table, dim);
      const rows = await queryRows<{ indexname: string; indexdef: string }>(
        tx,
        sql`select indexname, indexdef from pg_indexes where schemaname = current_schema() and tablename = ${table}
            and indexname in (${name}, ${legacyIndexName(table, dim)}, ${`${table}_embedding_${dim}_vector_hnsw`}, ${`${table}_embedding_${dim}_halfvec_hnsw`})`,
      );
      for (const old of rows) {
        if (old.indexname !== name || !old.indexdef.includes(PREDICATE(dim))) await tx.execute(sql.raw(`DROP INDEX "${old.indexname}"`));
      }
      await tx.execute(
        sql.raw(
          `CREATE INDEX IF NOT EXISTS "${name}" ON "${table}" ` +
            `USING hnsw ((embedding::${type}(${dim})) ${type}_cosine_ops) WITH (m = ${m}, ef_construction = ${ef}) ` +
            PREDICATE(dim).replace(/[()]/g, ''),
        ),
      );
    }
  });
}

/** Serialises changes to the vector indexes: creating them, and folding the backlog into them. */
export const VECTOR_INDEX_LOCK = 0x56494458;
