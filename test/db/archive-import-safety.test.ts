import { randomUUID } from 'node:crypto';
import { asc, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { codeExamples, jobs, pages, projectSources, sources, taskSources } from '../../db/schema';
import { queryRows } from '../../db/sql';
import type { Database } from '../../db/types';
import { fromDatabaseError, isAppError } from '../../server/errors';
import { archiveLines } from '../../server/services/archive/archive-stream';
import { ARCHIVE_LIMITS } from '../../server/services/archive/format';
import { type ImportOptions, importSource } from '../../server/services/archive/import-source';
import { testDbKind } from '../helpers/db';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';

// Lets one test hand the database a row the archive format refuses, as an
// archive would have reached it before the format had size limits, so the
// database's own refusal and the import's recovery from it are exercised.
const unchecked = vi.hoisted(() => ({ on: false }));
vi.mock('../../server/services/archive/format', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../server/services/archive/format')>();
  const { z } = await import('zod');
  const loose = z.discriminatedUnion('type', [
    actual.sourceLineSchema,
    actual.pageLineSchema,
    actual.chunkLineSchema.extend({ content: z.string() }),
    actual.codeLineSchema,
    actual.endLineSchema,
  ]);
  const strict = actual.bodyLineSchema;
  return { ...actual, bodyLineSchema: { safeParse: (v: unknown) => (unchecked.on ? loose : strict).safeParse(v) } };
});

/** Fails the test instead of hanging it when a promise never settles. */
async function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

async function errorOf(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('expected the import to fail');
    },
    (e: unknown) => e,
  );
}

type Json = Record<string, unknown>;
const header = { format: 'archon-source', version: 1, exportedAt: '2024-01-01T00:00:00.000Z', archon: 'test', embedding: null };
const sourceLine = (id: string, title = 'Docs'): Json => ({
  type: 'source',
  id,
  kind: 'upload',
  url: null,
  title,
  titleEdited: false,
  summary: null,
  knowledgeType: 'technical',
  tags: [],
  crawlOptions: {},
  refreshInterval: 'off',
  lastCrawledAt: null,
});
const pageLine = (url: string, content = 'Some text about quokkas.', chunkCount = 1): Json => ({
  type: 'page',
  url,
  title: 'A page',
  content,
  contentHash: `page-${url}`,
  charCount: content.length,
  wordCount: 4,
  chunkCount,
  etag: null,
  lastModified: null,
  metadata: {},
  fetchedAt: null,
});
const chunkLine = (content = 'Some text about quokkas.', extra: Json = {}): Json => ({
  type: 'chunk',
  chunkIndex: 0,
  title: 'A page',
  headingPath: ['Intro'],
  content,
  context: null,
  charCount: content.length,
  contentHash: `chunk-${content.length}`,
  ...extra,
});
const codeLine = (code: string, hash: string, extra: Json = {}): Json => ({
  type: 'code',
  exampleIndex: 0,
  language: 'ts',
  name: 'example',
  summary: 'An example.',
  code,
  headingPath: ['Intro'],
  contentHash: hash,
  ...extra,
});

/** An archive of one source whose pages each hold one chunk and the given code examples. */
function archive(id: string, pagesOf: { url: string; chunk?: Json; code?: Json[] }[], title = 'Docs'): Buffer {
  const lines: Json[] = [header, sourceLine(id, title)];
  let codes = 0;
  for (const p of pagesOf) {
    lines.push(pageLine(p.url), p.chunk ?? chunkLine());
    for (const c of p.code ?? []) lines.push(c);
    codes += p.code?.length ?? 0;
  }
  lines.push({ type: 'end', pages: pagesOf.length, chunks: pagesOf.length, codeExamples: codes });
  return Buffer.from(`${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
}

async function* once(bytes: Buffer): AsyncGenerator<Uint8Array> {
  yield bytes;
}

let rt: TestRuntime;
let db: Database;
let embedder: ImportOptions['embedder'];
const importArchive = (bytes: Buffer, onConflict: ImportOptions['onConflict'] = 'error') =>
  within(60_000, 'the import', importSource(db, archiveLines(once(bytes)), { embedder, onConflict }));

beforeAll(async () => {
  // One connection: an import that left its connection behind would make the next one wait forever.
  rt = await createTestRuntime({ poolMax: 1 });
  db = rt.database.db;
  embedder = { model: rt.ingest.embedder.model, dimensions: rt.ingest.embedder.dimensions };
});

afterAll(async () => {
  await rt?.close();
});

describe('archive size limits', () => {
  const long = (n: number) => 'quokka '.repeat(Math.ceil(n / 7)).slice(0, n);
  const cases: [field: string, build: () => Json, message: RegExp][] = [
    [
      'chunk content',
      () => chunkLine(long(ARCHIVE_LIMITS.chunkContent + 1)),
      /line 4: invalid chunk line: content: must be at most 100000 characters/,
    ],
    ['chunk title', () => chunkLine(undefined, { title: long(ARCHIVE_LIMITS.title + 1) }), /line 4: invalid chunk line: title: must be at most/],
    [
      'chunk context',
      () => chunkLine(undefined, { context: long(ARCHIVE_LIMITS.context + 1) }),
      /line 4: invalid chunk line: context: must be at most/,
    ],
    [
      'heading text',
      () => chunkLine(undefined, { headingPath: [long(ARCHIVE_LIMITS.headingText + 1)] }),
      /line 4: invalid chunk line: headingPath\.0: must be at most/,
    ],
    [
      'heading depth',
      () => chunkLine(undefined, { headingPath: Array(ARCHIVE_LIMITS.headingDepth + 1).fill('H') }),
      /line 4: invalid chunk line: headingPath: must have at most/,
    ],
  ];

  it.each(cases)('refuses an oversized %s, naming the line and field, and imports nothing', async (_field, build, message) => {
    const id = `upload-limit-${randomUUID()}`;
    const err = await errorOf(importArchive(archive(id, [{ url: 'file://a.md', chunk: build() }])));
    expect(isAppError(err) && { code: err.code, message: err.message }).toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(message),
    });
    expect(await db.select().from(sources).where(eq(sources.id, id))).toEqual([]);
  });

  it('refuses oversized code, code names and summaries', async () => {
    const id = `upload-limit-${randomUUID()}`;
    const tooLong: [Json, RegExp][] = [
      [codeLine(long(ARCHIVE_LIMITS.code + 1), 'h'), /line 5: invalid code line: code: must be at most 20000 characters/],
      [codeLine('const x = 1;', 'h', { name: long(ARCHIVE_LIMITS.codeName + 1) }), /line 5: invalid code line: name: must be at most/],
      [codeLine('const x = 1;', 'h', { summary: long(ARCHIVE_LIMITS.codeSummary + 1) }), /line 5: invalid code line: summary: must be at most/],
    ];
    for (const [code, message] of tooLong) {
      const err = await errorOf(importArchive(archive(id, [{ url: 'file://a.md', code: [code] }])));
      expect(isAppError(err) && err.message).toMatch(message);
    }
  });

  it('accepts text up to the limits, and the search index holds it', async () => {
    // Distinct words make the largest search vectors; the largest chunk must still fit.
    const words: string[] = [];
    for (let i = 0, n = 0; n < ARCHIVE_LIMITS.chunkContent; i++) {
      const w = `w${i.toString(36)}q`;
      words.push(w);
      n += w.length + 1;
    }
    const content = words.join(' ').slice(0, ARCHIVE_LIMITS.chunkContent);
    const id = `upload-limit-${randomUUID()}`;
    const result = await importArchive(
      archive(id, [{ url: 'file://a.md', chunk: chunkLine(content), code: [codeLine(long(ARCHIVE_LIMITS.code), 'h')] }]),
    );
    expect(result).toMatchObject({ chunks: 1, codeExamples: 1 });
    const hits = await rt.caller.knowledge.search({ query: words[4321]!, mode: 'fulltext', sourceIds: [id] });
    expect(hits.results.length).toBe(1);
  });
});

describe('source and page fields the API would refuse', () => {
  /** An archive of one page whose source line (or page line) differs from a valid one by `source` (or `page`). */
  const withFields = (id: string, source: Json, page: Json = {}) =>
    Buffer.from(
      `${[
        header,
        { ...sourceLine(id), ...source },
        { ...pageLine('file://a.md'), ...page },
        chunkLine(),
        { type: 'end', pages: 1, chunks: 1, codeExamples: 0 },
      ]
        .map((l) => JSON.stringify(l))
        .join('\n')}\n`,
    );
  const crawled = { kind: 'url', url: 'https://docs.example.com/' };
  const cases: [what: string, source: Json, page: Json, message: RegExp][] = [
    ['a tag longer than 64 characters', { tags: ['t'.repeat(65)] }, {}, /line 2: invalid source line: tags\.0: must be at most 64 characters/],
    ['more than 50 tags', { tags: Array.from({ length: 51 }, (_, i) => `tag${i}`) }, {}, /line 2: invalid source line: tags: at most 50 tags/],
    ['a tag of two lines', { tags: ['one\ntwo'] }, {}, /line 2: invalid source line: tags\.0: must be a single line/],
    ['a blank tag', { tags: ['  '] }, {}, /line 2: invalid source line: tags\.0: must not be empty/],
    ['a title of two lines', { title: 'Docs\nmore' }, {}, /line 2: invalid source line: title: must be a single line/],
    ['a title longer than Archon writes', { title: 'T'.repeat(2049) }, {}, /line 2: invalid source line: title: must be at most 2048 characters/],
    [
      'a summary longer than the API allows',
      { summary: 's'.repeat(2001) },
      {},
      /line 2: invalid source line: summary: must be at most 2000 characters/,
    ],
    [
      'a crawled source without an http URL',
      { ...crawled, url: 'javascript:alert(1)' },
      {},
      /line 2: invalid source line: url: must be an http:\/\/ or https:\/\/ URL/,
    ],
    [
      'a crawled source with no URL',
      { ...crawled, url: null },
      {},
      /line 2: invalid source line: url: a crawled source needs its http:\/\/ or https:\/\/ URL/,
    ],
    ['an upload with a URL', { url: 'https://docs.example.com/' }, {}, /line 2: invalid source line: url: an uploaded source has no URL/],
    [
      'a page whose URL is a script',
      {},
      { url: 'javascript:alert(1)' },
      /line 3: invalid page line: url: must be an http:\/\/, https:\/\/ or file:\/\/ URL/,
    ],
    [
      'a page whose URL is not a URL',
      {},
      { url: 'https://exa mple.com/a b' },
      /line 3: invalid page line: url: must be an http:\/\/, https:\/\/ or file:\/\/ URL/,
    ],
  ];

  it.each(cases)('refuses %s, naming the line and field, and imports nothing', async (_what, source, page, message) => {
    const id = `upload-fields-${randomUUID()}`;
    const err = await errorOf(importArchive(withFields(id, source, page)));
    expect(isAppError(err) && { code: err.code, message: err.message }).toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(message),
    });
    expect(await db.select().from(sources).where(eq(sources.id, id))).toEqual([]);
  });

  it('accepts what Archon itself writes: a page title as the source title, tags as the API takes them, a crawled page', async () => {
    const id = `upload-fields-${randomUUID()}`;
    const title = `${'Long page title '.repeat(62).trim()}…`;
    const ok = await importArchive(withFields(id, { title, tags: [' guide ', 'guide', 'API'] }));
    expect(ok).toMatchObject({ sourceId: id, pages: 1 });
    expect((await rt.caller.knowledge.source({ id })).tags).toEqual(['guide', 'API']);
    const site = `site-fields-${randomUUID()}`;
    const page = { url: 'https://docs.example.com/guide/#section-0-intro' };
    expect(await importArchive(withFields(site, crawled, page))).toMatchObject({ sourceId: site, pages: 1 });
  });
});

describe('a row the database refuses', () => {
  it('maps program limits and bad text bytes to BAD_REQUEST', () => {
    expect(fromDatabaseError({ code: '54000', message: 'string is too long for tsvector' })).toMatchObject({ code: 'BAD_REQUEST' });
    expect(fromDatabaseError({ code: '22021', message: 'invalid byte sequence for encoding "UTF8": 0x00' })).toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('fails the import promptly with a clear error, and releases the source for the next import', async () => {
    // About 1.2 M characters of distinct words: a tsvector of more than 1 MB.
    const words: string[] = [];
    for (let i = 0; i < 200_000; i++) words.push(`word${i.toString(36)}x${(i * 7919).toString(36)}`);
    const id = `upload-refused-${randomUUID()}`;
    const huge = archive(id, [{ url: 'file://a.md' }, { url: 'file://b.md', chunk: chunkLine(words.join(' ')) }]);
    unchecked.on = true;
    let err: unknown;
    try {
      err = await errorOf(importArchive(huge));
    } finally {
      unchecked.on = false;
    }
    expect(fromDatabaseError(err)).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/too long for tsvector/) });
    if (testDbKind() === 'postgres') {
      const stuck = await queryRows<{ n: number }>(
        db,
        sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and state like 'idle in transaction%'`,
      );
      expect(stuck[0]!.n).toBe(0);
    }
    // The same id imports now: the failed import rolled back and gave up its lock and its (only) connection.
    const ok = await importArchive(archive(id, [{ url: 'file://a.md' }]));
    expect(ok).toMatchObject({ sourceId: id, pages: 1, chunks: 1 });
  });
});

describe("'replace' of a source that projects and tasks use", () => {
  it('keeps the source row, its links, jobs and creator, and moves code example links to the same code', async () => {
    const id = `upload-replace-${randomUUID()}`;
    const kept = codeLine('export const quokka = () => "grazes";', 'hash-kept');
    const gone = codeLine('export const wombat = () => "digs";', 'hash-gone');
    await importArchive(
      archive(id, [
        { url: 'file://a.md', code: [kept] },
        { url: 'file://b.md', code: [gone] },
      ]),
    );
    const creator = randomUUID();
    await db.update(sources).set({ createdBy: creator }).where(eq(sources.id, id));
    const [job] = await db.insert(jobs).values({ kind: 'upload', status: 'completed', sourceId: id }).returning({ id: jobs.id });
    const examples = await db
      .select({ id: codeExamples.id })
      .from(codeExamples)
      .innerJoin(pages, eq(pages.id, codeExamples.pageId))
      .where(eq(codeExamples.sourceId, id))
      .orderBy(asc(pages.url));
    const project = await rt.caller.projects.create({ title: 'P' });
    await rt.caller.projects.linkSource({ projectId: project.id, sourceId: id });
    const task = await rt.caller.tasks.create({ projectId: project.id, title: 'T', sourceIds: [id], codeExampleIds: examples.map((e) => e.id) });

    // The same code on its page comes back; the other page's code changed.
    const changed = codeLine('export const wombat = () => "sleeps";', 'hash-changed');
    const result = await importArchive(
      archive(
        id,
        [
          { url: 'file://a.md', code: [kept] },
          { url: 'file://b.md', code: [changed] },
        ],
        'Docs v2',
      ),
      'replace',
    );

    expect(result).toMatchObject({ sourceId: id, copied: false, pages: 2, codeExamples: 2, codeExampleLinks: { relinked: 1, dropped: 1 } });
    expect(await db.select().from(projectSources).where(eq(projectSources.sourceId, id))).toHaveLength(1);
    expect(await db.select().from(taskSources).where(eq(taskSources.sourceId, id))).toHaveLength(1);
    const [row] = await db.select().from(sources).where(eq(sources.id, id));
    expect(row).toMatchObject({ title: 'Docs v2', createdBy: creator });
    expect((await db.select({ sourceId: jobs.sourceId }).from(jobs).where(eq(jobs.id, job!.id)))[0]?.sourceId).toBe(id);
    const [now] = await db.select({ id: codeExamples.id }).from(codeExamples).where(eq(codeExamples.contentHash, 'hash-kept'));
    const after = await rt.caller.tasks.byId({ id: task.id });
    expect(after.sourceIds).toEqual([id]);
    expect(after.codeExampleIds).toEqual([now!.id]);
    expect(now!.id).not.toBe(examples[0]!.id);
  });

  it('reports no link changes when nothing linked to the code', async () => {
    const id = `upload-replace-${randomUUID()}`;
    await importArchive(archive(id, [{ url: 'file://a.md' }]));
    const result = await importArchive(archive(id, [{ url: 'file://b.md' }]), 'replace');
    expect(result).toMatchObject({ pages: 1, codeExampleLinks: { relinked: 0, dropped: 0 } });
    expect((await db.select({ url: pages.url }).from(pages).where(eq(pages.sourceId, id))).map((p) => p.url)).toEqual(['file://b.md']);
  });
});
