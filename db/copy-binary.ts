import { finished } from 'node:stream/promises';
import type { Sql } from 'postgres';

/**
 * PostgreSQL's binary COPY format, for bulk loads where per-row INSERT
 * parameters and vector text dominate the cost (bench/ingest.ts: chunk writes
 * of a crawl). Each value is written in its type's binary "send" format.
 */
export type CopyValue =
  | { type: 'text'; value: string | null }
  | { type: 'int4'; value: number | null }
  | { type: 'uuid'; value: string | null }
  | { type: 'jsonb'; value: unknown }
  | { type: 'vector'; value: ArrayLike<number> | null };

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

function encodeValue(v: CopyValue): Buffer | null {
  switch (v.type) {
    case 'text':
      return v.value === null ? null : Buffer.from(v.value, 'utf8');
    case 'int4': {
      if (v.value === null) return null;
      const b = Buffer.allocUnsafe(4);
      b.writeInt32BE(v.value);
      return b;
    }
    case 'uuid':
      return v.value === null ? null : Buffer.from(v.value.replace(/-/g, ''), 'hex');
    case 'jsonb':
      // Version byte 1, then the JSON text.
      return v.value === null || v.value === undefined ? null : Buffer.concat([Buffer.from([1]), Buffer.from(JSON.stringify(v.value), 'utf8')]);
    case 'vector': {
      if (v.value === null) return null;
      // pgvector's vector_recv: int16 dimensions, int16 unused, then float4 values.
      const dim = v.value.length;
      const b = Buffer.allocUnsafe(4 + 4 * dim);
      b.writeInt16BE(dim, 0);
      b.writeInt16BE(0, 2);
      for (let i = 0; i < dim; i++) b.writeFloatBE(v.value[i]!, 4 + 4 * i);
      return b;
    }
  }
}

export function encodeCopyBinary(rows: CopyValue[][]): Buffer {
  const parts: Buffer[] = [SIGNATURE, Buffer.alloc(8)];
  for (const row of rows) {
    const count = Buffer.allocUnsafe(2);
    count.writeInt16BE(row.length);
    parts.push(count);
    for (const cell of row) {
      const data = encodeValue(cell);
      const len = Buffer.allocUnsafe(4);
      len.writeInt32BE(data === null ? -1 : data.length);
      parts.push(len);
      if (data) parts.push(data);
    }
  }
  const trailer = Buffer.allocUnsafe(2);
  trailer.writeInt16BE(-1);
  parts.push(trailer);
  return Buffer.concat(parts);
}

/**
 * Streams rows into `table (columns)` with COPY … FORMAT binary on a
 * postgres.js connection. Rejects with the server's error when PostgreSQL
 * refuses the data.
 */
export async function copyRows(sql: Sql, table: string, columns: string[], rows: CopyValue[][]): Promise<void> {
  if (rows.length === 0) return;
  const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
  const query = sql.unsafe(`copy ${ident(table)} (${columns.map(ident).join(', ')}) from stdin with (format binary)`);
  const refused = serverError(query);
  const stream = await query.writable();
  const done = finished(stream);
  stream.end(encodeCopyBinary(rows));
  await Promise.race([done, refused]);
}

/**
 * postgres.js (3.4) never settles the writable when the server rejects a COPY
 * after its last byte was sent (porsager/postgres#1173): the error goes to the
 * query, whose promise already resolved with the stream, and is lost. Awaiting
 * only the stream would then hang forever, and inside a transaction the
 * connection would stay "idle in transaction (aborted)" holding its locks.
 * This catches that error where postgres.js delivers it. Once the library
 * fails the stream itself, `finished` sees it first and this stays harmless.
 */
function serverError(query: object): Promise<never> {
  const target = query as { reject?: (err: unknown) => void };
  const deliver = target.reject;
  const refused = new Promise<never>((_, reject) => {
    if (typeof deliver !== 'function') return;
    target.reject = (err: unknown) => {
      reject(err);
      deliver.call(target, err);
    };
  });
  // A COPY that fails before streaming rejects `writable()` as well, which the caller sees instead.
  refused.catch(() => {});
  return refused;
}
