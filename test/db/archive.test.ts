import { gunzipSync, gzipSync } from 'node:zlib';
import { asc, count, eq, isNotNull, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunks, codeExamples, pages, sources } from '../../db/schema';
import { queryRows } from '../../db/sql';
import type { Database } from '../../db/types';
import { type AppErrorCode, isAppError } from '../../server/errors';
import { archiveLines, gzipLines } from '../../server/services/archive/archive-stream';
import { startExport } from '../../server/services/archive/export-source';
import { type ImportOptions, importSource } from '../../server/services/archive/import-source';
import { finishReembed, reembedBatch, startReembed } from '../../server/services/ingest/reembed';
import { type DocsSite, startDocsSite } from '../fixtures/docs-site';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';
import { waitFor } from '../helpers/wait';

const ENV = { EMBEDDING_DIMENSIONS: '256' };

let site: DocsSite;
/** The exporting Archon: one crawled source, so search statistics cover exactly what the archive holds. */
let origin: TestRuntime;
let sourceId: string;
let archive: Buffer;
let embedder: ImportOptions['embedder'];
const originCounts = { pages: 0, chunks: 0, codeExamples: 0 };
const opened: TestRuntime[] = [];

async function freshArchon(): Promise<TestRuntime> {
  const rt = await createTestRuntime({ env: ENV });
  opened.push(rt);
  return rt;
}

async function exportArchive(db: Database, id: string, includeEmbeddings = true): Promise<Buffer> {
  const lines = await startExport(db, id, { includeEmbeddings, appVersion: 'test' });
  return Buffer.from(await new Response(gzipLines(lines)).arrayBuffer());
}

/** Feeds the bytes in odd-sized pieces, so lines and gzip blocks straddle chunk boundaries as they do on the wire. */
async function* pieces(bytes: Buffer, size = 997): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

const importArchive = (db: Database, bytes: Buffer, opts: Partial<ImportOptions> = {}) =>
  importSource(db, archiveLines(pieces(bytes)), { embedder, onConflict: 'error', ...opts });

const linesOf = (bytes: Buffer) => gunzipSync(bytes).toString('utf8').split('\n').filter(Boolean);
const pack = (lines: string[]) => gzipSync(`${lines.join('\n')}\n`);
const edit = (line: string, change: (v: Record<string, unknown>) => void) => {
  const v = JSON.parse(line) as Record<string, unknown>;
  change(v);
  return JSON.stringify(v);
};

async function rejection(p: Promise<unknown>): Promise<{ code: AppErrorCode; message: string }> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  if (!isAppError(err)) throw new Error(`expected an AppError, got ${err === null ? 'success' : String(err)}`);
  return { code: err.code, message: err.message };
}

async function tableCounts(db: Database) {
  const [[s], [p], [c], [e]] = await Promise.all([
    db.select({ n: count() }).from(sources),
    db.select({ n: count() }).from(pages),
    db.select({ n: count() }).from(chunks),
    db.select({ n: count() }).from(codeExamples),
  ]);
  return { sources: s!.n, pages: p!.n, chunks: c!.n, codeExamples: e!.n };
}

/** Stored vectors of a source in pgvector's text form, keyed by page URL and index: equal text means equal float32 bits. */
async function vectorsOf(db: Database, id: string) {
  return queryRows<{ key: string; v: string | null; model: string | null }>(
    db,
    sql`select p.url || '#' || c.chunk_index as key, c.embedding::text as v, c.embedding_model as model from chunks c join pages p on p.id = c.page_id
         where c.source_id = ${id}
        union all
        select p.url || '#code' || e.example_index, e.embedding::text, e.embedding_model from code_examples e join pages p on p.id = e.page_id
         where e.source_id = ${id}
        order by 1`,
  );
}

/** A search answer without the database ids, which an import assigns afresh. */
function withoutIds(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutIds);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => !['id', 'chunkId', 'pageId'].includes(k))
        .map(([k, v]) => [k, withoutIds(v)]),
    );
  }
  return value;
}

/** Deep equality where numbers may differ by 1e-6 (scores are computed, not copied). */
function expectSame(actual: unknown, expected: unknown, path = 'result'): void {
  if (typeof expected === 'number' && typeof actual === 'number') {
    expect(Math.abs(actual - expected), `${path}: ${actual} vs ${expected}`).toBeLessThanOrEqual(1e-6);
    return;
  }
  if (Array.isArray(expected)) {
    expect(Array.isArray(actual), path).toBe(true);
    expect((actual as unknown[]).length, `${path}.length`).toBe(expected.length);
    for (const [i, e] of expected.entries()) expectSame((actual as unknown[])[i], e, `${path}[${i}]`);
    return;
  }
  if (expected && typeof expected === 'object') {
    expect(actual !== null && typeof actual === 'object', path).toBe(true);
    expect(Object.keys(actual as object).sort(), `${path} keys`).toEqual(Object.keys(expected).sort());
    for (const [k, v] of Object.entries(expected)) expectSame((actual as Record<string, unknown>)[k], v, `${path}.${k}`);
    return;
  }
  expect(actual, path).toEqual(expected);
}

const QUERIES = [
  'frobnicator widgets',
  'install frob npm',
  'configuring the frobnicator options',
  'widgets overlap troubleshooting',
  'frob.toml start-up',
];
const MODES = ['hybrid', 'vector', 'fulltext'] as const;

type Answer = { query: string; mode: string; kind: string; answer: unknown };

async function searchAnswers(rt: TestRuntime, modes: readonly (typeof MODES)[number][] = MODES): Promise<Answer[]> {
  const out: Answer[] = [];
  for (const query of QUERIES) {
    for (const mode of modes) {
      const chunkHits = await rt.caller.knowledge.search({ query, mode, limit: 10 });
      const pageHits = await rt.caller.knowledge.search({ query, mode, limit: 10, returnMode: 'pages' });
      const codeHits = await rt.caller.knowledge.searchCode({ query, mode, limit: 10 });
      out.push(
        { query, mode, kind: 'chunks', answer: withoutIds(chunkHits) },
        { query, mode, kind: 'pages', answer: withoutIds(pageHits) },
        { query, mode, kind: 'code', answer: withoutIds(codeHits) },
      );
    }
  }
  return out;
}

function expectSameAnswers(actual: Answer[], expected: Answer[]) {
  expect(actual.length).toBe(expected.length);
  for (const [i, e] of expected.entries()) expectSame(actual[i]!.answer, e.answer, `${e.kind} search '${e.query}' (${e.mode})`);
}

beforeAll(async () => {
  site = await startDocsSite();
  origin = await createTestRuntime({ runner: true, poolMax: 8, env: { ...ENV, CRAWL_ALLOWED_HOSTS: site.host } });
  opened.push(origin);
  const job = await origin.caller.knowledge.crawl({
    url: `${site.url}/docs/`,
    mode: 'recursive',
    maxDepth: 2,
    title: 'Fixture guides',
    tags: ['frob', 'guides'],
    knowledgeType: 'business',
    refreshInterval: 'weekly',
  });
  const done = await waitFor(
    async () => {
      const j = await origin.caller.jobs.get({ id: job.id });
      return ['completed', 'failed', 'cancelled'].includes(j.status) ? j : null;
    },
    60_000,
    'crawl',
  );
  expect(done, done.error ?? '').toMatchObject({ status: 'completed', pagesFailed: 0, embeddingsFailed: 0 });
  sourceId = done.sourceId!;
  // Stored vectors as an embedding API returns them, with every float32 digit
  // used (PGlite's ingest path keeps seven decimals). Scaling leaves every
  // cosine as it was, but a copy that rounded would no longer be exact.
  for (const table of ['chunks', 'code_examples']) {
    await origin.database.db.execute(
      sql`update ${sql.identifier(table)} set embedding =
            (select array_agg(x * 0.7 order by i)::real[]::vector from unnest(embedding::real[]) with ordinality as t(x, i))
          where embedding is not null`,
    );
  }
  Object.assign(originCounts, await tableCounts(origin.database.db));
  embedder = { model: origin.ingest.embedder.model, dimensions: origin.ingest.embedder.dimensions };
  archive = await exportArchive(origin.database.db, sourceId);
}, 120_000);

afterAll(async () => {
  for (const rt of opened) await rt.close();
  await site?.close();
});

describe('export', () => {
  it('writes a header, the source, every page with its chunks and code, and an end line with the counts', () => {
    // The fixture must exercise every row kind, or the round trip below proves less than it claims.
    expect(originCounts).toMatchObject({ sources: 1, pages: expect.any(Number) });
    expect(originCounts.pages).toBeGreaterThanOrEqual(4);
    expect(originCounts.codeExamples).toBeGreaterThan(0);
    const lines = linesOf(archive).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ format: 'archon-source', version: 1, archon: 'test', embedding: embedder });
    expect(lines[1]).toMatchObject({ type: 'source', id: sourceId, title: 'Fixture guides', tags: ['frob', 'guides'], refreshInterval: 'weekly' });
    expect(lines.at(-1)).toEqual({ type: 'end', pages: originCounts.pages, chunks: originCounts.chunks, codeExamples: originCounts.codeExamples });
    const types = lines.slice(2, -1).map((l) => l.type);
    expect(types.filter((t) => t === 'page').length).toBe(originCounts.pages);
    expect(types.filter((t) => t === 'code').length).toBe(originCounts.codeExamples);
    expect(lines.filter((l) => l.type === 'chunk' || l.type === 'code').every((l) => typeof l.embedding === 'string')).toBe(true);
    // No database ids travel: the importer assigns its own.
    expect(lines.some((l) => 'pageId' in l || ('id' in l && l.type !== 'source'))).toBe(false);
  });

  it('leaves vectors out when asked', async () => {
    const lines = linesOf(await exportArchive(origin.database.db, sourceId, false)).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]!.embedding).toBeNull();
    expect(lines.some((l) => 'embedding' in l && l.type !== undefined)).toBe(false);
    expect(lines.at(-1)).toMatchObject({ chunks: originCounts.chunks });
  });

  it('refuses an unknown source before producing any byte', async () => {
    expect(await rejection(startExport(origin.database.db, 'no-such-source', { includeEmbeddings: true, appVersion: 'test' }))).toMatchObject({
      code: 'NOT_FOUND',
    });
  });
});

describe('export → import round trip', () => {
  let copy: TestRuntime;
  let before: Answer[];
  beforeAll(async () => {
    before = await searchAnswers(origin);
    copy = await freshArchon();
  }, 60_000);

  it('imports every page, chunk and code example with its vector', async () => {
    const result = await importArchive(copy.database.db, archive);
    expect(result).toEqual({
      sourceId,
      copied: false,
      pages: originCounts.pages,
      chunks: originCounts.chunks,
      codeExamples: originCounts.codeExamples,
      embeddingsKept: originCounts.chunks + originCounts.codeExamples,
      embeddingsDropped: 0,
      embeddingsMissing: 0,
    });
    expect(await tableCounts(copy.database.db)).toEqual(originCounts);
    const [a, b] = await Promise.all([origin.caller.knowledge.source({ id: sourceId }), copy.caller.knowledge.source({ id: sourceId })]);
    expect(b).toMatchObject({
      title: a.title,
      url: a.url,
      tags: a.tags,
      knowledgeType: 'business',
      refreshInterval: 'weekly',
      lastCrawledAt: a.lastCrawledAt,
    });
  });

  it('keeps every vector bit for bit', async () => {
    const [a, b] = await Promise.all([vectorsOf(origin.database.db, sourceId), vectorsOf(copy.database.db, sourceId)]);
    expect(a.length).toBe(originCounts.chunks + originCounts.codeExamples);
    expect(a.every((r) => r.v !== null)).toBe(true);
    // The fixture has components beyond seven decimals (see beforeAll), so a rounding copy would differ.
    expect(a.some((r) => /\d\.\d{8}/.test(r.v!))).toBe(true);
    expect(b).toEqual(a);
  });

  it('gives identical search results in hybrid, vector and full-text mode', async () => {
    const after = await searchAnswers(copy);
    // Sanity: the queries find something in every mode, so equality is not two empty lists.
    for (const mode of MODES) {
      expect(before.filter((a) => a.mode === mode && a.kind === 'chunks').every((a) => (a.answer as { results: unknown[] }).results.length > 0)).toBe(
        true,
      );
    }
    expectSameAnswers(after, before);
  }, 60_000);

  it('exports the imported source as the same archive (apart from the export time)', async () => {
    const again = linesOf(await exportArchive(copy.database.db, sourceId));
    const original = linesOf(archive);
    const header = (l: string) => edit(l, (v) => delete v.exportedAt);
    expect([header(again[0]!), ...again.slice(1)]).toEqual([header(original[0]!), ...original.slice(1)]);
  });
});

describe('import without embeddings', () => {
  it('stores null vectors, searches text identically, and the re-embedding job restores vector search', async () => {
    const expected = await searchAnswers(origin);
    const target = await freshArchon();
    const result = await importArchive(target.database.db, await exportArchive(origin.database.db, sourceId, false));
    expect(result).toMatchObject({ embeddingsKept: 0, embeddingsDropped: 0, embeddingsMissing: originCounts.chunks + originCounts.codeExamples });
    const vectors = await vectorsOf(target.database.db, sourceId);
    expect(vectors.length).toBe(originCounts.chunks + originCounts.codeExamples);
    expect(vectors.every((r) => r.v === null && r.model === null)).toBe(true);

    expectSameAnswers(
      await searchAnswers(target, ['fulltext']),
      expected.filter((a) => a.mode === 'fulltext'),
    );
    const vectorOnly = await target.caller.knowledge.search({ query: QUERIES[0]!, mode: 'vector' });
    expect(vectorOnly.results).toEqual([]);

    // The job a client starts after such an import (knowledge.reembed), run step by step here.
    const job = await startReembed(target.database.db, async () => {}, target.ingest.embedder);
    for (let left = 1; left > 0; ) {
      ({ remaining: left } = await reembedBatch(
        { db: target.database.db, embedder: target.ingest.embedder, embedding: { batchSize: 64, concurrency: 1 } },
        job.id,
        {
          chunks: [],
          codeExamples: [],
        },
      ));
    }
    await finishReembed(target.database.db, job.id);
    const filled = await vectorsOf(target.database.db, sourceId);
    expect(filled.every((r) => r.v !== null && r.model === embedder.model)).toBe(true);
    expectSameAnswers(await searchAnswers(target), expected);
  }, 120_000);
});

describe('import from another embedding model', () => {
  it('drops vectors of another model and counts them', async () => {
    const target = await freshArchon();
    const lines = linesOf(archive);
    const other = pack([edit(lines[0]!, (v) => ((v.embedding as { model: string }).model = 'text-embedding-3-small')), ...lines.slice(1)]);
    const result = await importArchive(target.database.db, other);
    const rows = originCounts.chunks + originCounts.codeExamples;
    expect(result).toMatchObject({ chunks: originCounts.chunks, embeddingsKept: 0, embeddingsDropped: rows, embeddingsMissing: rows });
    const [n] = await target.database.db.select({ n: count() }).from(chunks).where(isNotNull(chunks.embedding));
    expect(n!.n).toBe(0);
  });

  it('drops vectors of another dimension', async () => {
    const target = await freshArchon();
    const result = await importArchive(target.database.db, archive, { embedder: { model: embedder.model, dimensions: 512 } });
    expect(result).toMatchObject({ embeddingsKept: 0, embeddingsDropped: originCounts.chunks + originCounts.codeExamples });
    expect((await vectorsOf(target.database.db, sourceId)).every((r) => r.v === null)).toBe(true);
  });
});

describe('when the source already exists', () => {
  let target: TestRuntime;
  let db: Database;
  const pageIds = async (id: string) =>
    (await db.select({ id: pages.id }).from(pages).where(eq(pages.sourceId, id)).orderBy(asc(pages.url))).map((p) => p.id);

  beforeAll(async () => {
    target = await freshArchon();
    db = target.database.db;
    await importArchive(db, archive);
  });

  it("'error' refuses and changes nothing", async () => {
    const ids = await pageIds(sourceId);
    expect(await rejection(importArchive(db, archive))).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining("onConflict 'replace'") });
    expect(await pageIds(sourceId)).toEqual(ids);
    expect(await tableCounts(db)).toEqual(originCounts);
  });

  it("'copy' imports beside it under a new id, with a title that says so and no schedule", async () => {
    const first = await importArchive(db, archive, { onConflict: 'copy' });
    const second = await importArchive(db, archive, { onConflict: 'copy' });
    expect([first.sourceId, second.sourceId]).toEqual([`${sourceId}-copy-1`, `${sourceId}-copy-2`]);
    expect(first).toMatchObject({ copied: true, pages: originCounts.pages, chunks: originCounts.chunks });
    const copy = await target.caller.knowledge.source({ id: first.sourceId });
    expect(copy).toMatchObject({ title: 'Fixture guides (copy)', refreshInterval: 'off' });
    expect(await tableCounts(db)).toMatchObject({ sources: 3, pages: originCounts.pages * 3, chunks: originCounts.chunks * 3 });
    await target.caller.knowledge.deleteSource({ id: first.sourceId });
    await target.caller.knowledge.deleteSource({ id: second.sourceId });
  });

  it("'replace' swaps the source's content for the archive's", async () => {
    const old = await pageIds(sourceId);
    await db.update(sources).set({ title: 'Renamed meanwhile' }).where(eq(sources.id, sourceId));
    const result = await importArchive(db, archive, { onConflict: 'replace' });
    expect(result).toMatchObject({ sourceId, copied: false, pages: originCounts.pages });
    const now = await pageIds(sourceId);
    expect(now.length).toBe(old.length);
    expect(now.some((id) => old.includes(id))).toBe(false);
    expect(await tableCounts(db)).toEqual(originCounts);
    expect((await target.caller.knowledge.source({ id: sourceId })).title).toBe('Fixture guides');
  });

  it("'replace' with a damaged archive keeps the existing source untouched", async () => {
    const ids = await pageIds(sourceId);
    const lines = linesOf(archive);
    const err = await rejection(importArchive(db, pack(lines.slice(0, -1)), { onConflict: 'replace' }));
    expect(err).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/truncated/) });
    expect(await pageIds(sourceId)).toEqual(ids);
    expect(await tableCounts(db)).toEqual(originCounts);
  });
});

describe('damaged and foreign archives', () => {
  let target: TestRuntime;
  let db: Database;
  const empty = { sources: 0, pages: 0, chunks: 0, codeExamples: 0 };
  beforeAll(async () => {
    target = await freshArchon();
    db = target.database.db;
  });

  /**
   * The archive's pages repeated under other URLs until there are `n`, so the
   * importer writes several batches before reaching the end of the file.
   */
  function bigArchive(n: number): string[] {
    const lines = linesOf(archive);
    const blocks: string[][] = [];
    for (const line of lines.slice(2, -1)) {
      if ((JSON.parse(line) as { type: string }).type === 'page') blocks.push([]);
      blocks.at(-1)!.push(line);
    }
    const out = lines.slice(0, 2);
    const counts = { pages: 0, chunks: 0, codeExamples: 0 };
    for (let k = 0; counts.pages < n; k++) {
      for (const block of blocks) {
        if (counts.pages >= n) break;
        out.push(
          edit(block[0]!, (v) => (v.url = `${v.url as string}?copy=${k}`)),
          ...block.slice(1),
        );
        counts.pages++;
        for (const l of block.slice(1)) {
          if (l.includes('"type":"chunk"')) counts.chunks++;
          else counts.codeExamples++;
        }
      }
    }
    out.push(JSON.stringify({ type: 'end', ...counts }));
    return out;
  }

  it('imports a large archive in several batches (control for the rollback test below)', async () => {
    const other = await freshArchon();
    const result = await importArchive(other.database.db, pack(bigArchive(130)));
    expect(result.pages).toBe(130);
    expect(await tableCounts(other.database.db)).toMatchObject({ sources: 1, pages: 130 });
  });

  it('rejects a truncated archive and imports nothing, even after writing several batches', async () => {
    const lines = bigArchive(130);
    const err = await rejection(importArchive(db, pack(lines.slice(0, -1))));
    expect(err.code).toBe('BAD_REQUEST');
    expect(err.message).toMatch(/The archive is truncated: it ends at line \d+ without its end line/);
    expect(await tableCounts(db)).toEqual(empty);
  });

  it('rejects gzip data cut off mid-stream', async () => {
    const bytes = pack(bigArchive(130));
    const err = await rejection(importArchive(db, bytes.subarray(0, Math.floor(bytes.length * 0.8))));
    expect(err).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/truncated/) });
    expect(await tableCounts(db)).toEqual(empty);
  });

  it('rejects an end line whose counts disagree, and a line that is not JSON', async () => {
    const lines = linesOf(archive);
    const wrongEnd = [...lines.slice(0, -1), edit(lines.at(-1)!, (v) => (v.chunks = (v.chunks as number) + 1))];
    expect(await rejection(importArchive(db, pack(wrongEnd)))).toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/end line says/),
    });
    const garbled = [...lines.slice(0, 4), '{"type":"chunk",', ...lines.slice(4)];
    expect(await rejection(importArchive(db, pack(garbled)))).toMatchObject({ message: expect.stringMatching(/^Archive line 5: not valid JSON/) });
    expect(await tableCounts(db)).toEqual(empty);
  });

  it('rejects another format and another version with messages that say so', async () => {
    const lines = linesOf(archive);
    const foreign = pack([edit(lines[0]!, (v) => (v.format = 'something-else')), ...lines.slice(1)]);
    expect(await rejection(importArchive(db, foreign))).toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/not an Archon source archive/),
    });
    const newer = pack([edit(lines[0]!, (v) => (v.version = 2)), ...lines.slice(1)]);
    expect(await rejection(importArchive(db, newer))).toMatchObject({ message: expect.stringMatching(/version 2 is not supported.*upgrade Archon/) });
    expect(await rejection(importArchive(db, gzipSync('not json at all\n')))).toMatchObject({
      message: expect.stringMatching(/line 1: not valid JSON/),
    });
    expect(await rejection(importArchive(db, Buffer.alloc(0)))).toMatchObject({ message: 'The archive is empty' });
    expect(await tableCounts(db)).toEqual(empty);
  });

  it('rejects an archive that holds one page twice', async () => {
    const lines = linesOf(archive);
    const firstPage = lines.findIndex((l) => l.includes('"type":"page"'));
    const dup = [...lines.slice(0, -1), lines[firstPage]!, edit(lines.at(-1)!, (v) => (v.pages = (v.pages as number) + 1))];
    expect(await rejection(importArchive(db, pack(dup)))).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/twice/) });
    expect(await tableCounts(db)).toEqual(empty);
  });

  it('rejects a vector of the wrong length', async () => {
    const lines = linesOf(archive);
    const i = lines.findIndex((l) => l.includes('"type":"chunk"'));
    const bad = lines.map((l, k) => (k === i ? edit(l, (v) => (v.embedding = Buffer.alloc(12, 1).toString('base64'))) : l));
    expect(await rejection(importArchive(db, pack(bad)))).toMatchObject({
      message: expect.stringMatching(new RegExp(`^Archive line ${i + 1}: chunk embedding is not 256`)),
    });
    expect(await tableCounts(db)).toEqual(empty);
  });

  it('accepts an archive that is plain NDJSON rather than gzip', async () => {
    const other = await freshArchon();
    const result = await importArchive(other.database.db, gunzipSync(archive));
    expect(result).toMatchObject({ pages: originCounts.pages, embeddingsKept: originCounts.chunks + originCounts.codeExamples });
  });
});
