import { sql, type SQL } from 'drizzle-orm';
import type { Database } from './types';

export const MAX_INDEXED_DIMENSIONS = 4000;
export const EMBEDDING_TABLES = ['chunks', 'code_examples'] as const;
export type EmbeddingTable = (typeof EMBEDDING_TABLES)[number];

function assertDimension(dim: number): void {
  if (!Number.isInteger(dim) || dim < 1 || dim > MAX_INDEXED_DIMENSIONS) {
    throw new RangeError(`Embedding dimension must be an integer from 1 to ${MAX_INDEXED_DIMENSIONS}, got ${dim}`);
  }
}

// pgvector's HNSW indexes `vector` up to 2000 dimensions and `halfvec` up to 4000.
const vectorType = (dim: number) => (dim <= 2000 ? 'vector' : 'halfvec');

/**
 * The indexed expression for one dimension. Queries must use exactly this
 * expression and `embedding_dim = dim` for the partial HNSW index to apply.
 */
export function embeddingExpr(table: EmbeddingTable, dim: number): SQL {
  assertDimension(dim);
  return sql.raw(`("${table}"."embedding"::${vectorType(dim)}(${dim}))`);
}

export function queryVectorParam(vector: number[]): SQL {
  const dim = vector.length;
  assertDimension(dim);
  return sql`${JSON.stringify(vector)}::${sql.raw(`${vectorType(dim)}(${dim})`)}`;
}

export const vectorIndexName = (table: EmbeddingTable, dim: number) => `${table}_embedding_${dim}_hnsw`;

/** Creates the partial HNSW cosine index for the configured dimension if it is missing. */
export async function ensureVectorIndexes(db: Database, dim: number): Promise<void> {
  assertDimension(dim);
  const type = vectorType(dim);
  for (const table of EMBEDDING_TABLES) {
    await db.execute(
      sql.raw(
        `CREATE INDEX IF NOT EXISTS "${vectorIndexName(table, dim)}" ON "${table}" ` +
          `USING hnsw ((embedding::${type}(${dim})) ${type}_cosine_ops) WHERE embedding_dim = ${dim}`,
      ),
    );
  }
}
