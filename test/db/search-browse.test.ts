// Code search, page browsing, hostile queries, missing embeddings and freshly indexed content, over the shared corpus.
import { TRPCError } from '@trpc/server';
import { and, count, eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { chunks, pages } from '../../db/schema';
import { isAppError } from '../../server/errors';
import { createCaller } from '../../server/routers/_app';
import { createSearchDeps } from '../../server/runtime/providers';
import { searchInputSchema } from '../../server/schemas/search';
import type { ChunkHit } from '../../server/services/search/hits';
import { defaultFusion, type SearchDeps, searchKnowledge } from '../../server/services/search/search-knowledge';
import { createContextInner } from '../../server/trpc/context';
import { fixturePage } from '../fixtures/docs-site';
import { corpus, crawlToEnd, outcome, path, searchChunks, useSearchCorpus } from '../helpers/search-corpus';

const { src } = corpus;
useSearchCorpus();

describe('knowledge.searchCode', () => {
  it('finds the TypeScript example on /docs/a by a natural query', async () => {
    const res = await corpus.rt.caller.knowledge.searchCode({ query: 'example of calling frobnicate in fast mode', limit: 5 });
    expect(res.warnings).toEqual([]);
    const [top] = res.results;
    expect(top).toMatchObject({
      language: 'typescript',
      name: 'Example',
      url: `${corpus.site.url}/docs/a#example`,
      sourceId: src.docs,
      headingPath: ['Guide A: configuring the frobnicator', 'Example'],
    });
    expect(top!.code).toContain("frobnicate({ widgets: 12, mode: 'fast' })");
    expect(top!.summary.length).toBeGreaterThan(0);
    expect(top!.pageTitle).toContain('Guide A');
    expect(top!.score.vectorRank).toBe(1);
  });

  it('filters by language, case-insensitively', async () => {
    const query = 'frob command to level widgets and trays';
    const all = await corpus.rt.caller.knowledge.searchCode({ query, limit: 10 });
    expect(new Set(all.results.map((r) => r.language))).toEqual(new Set(['typescript', 'bash']));
    const bash = await corpus.rt.caller.knowledge.searchCode({ query, language: 'bash' });
    expect(bash.results.length).toBeGreaterThan(0);
    expect(bash.results.every((r) => r.language === 'bash')).toBe(true);
    expect(bash.results[0]).toMatchObject({ name: 'Stage 2: Levelling', url: `${corpus.site.url}/manual/ops#stage-2`, sourceId: src.manual });
    expect(bash.results[0]!.code).toContain('frob level --trays 12');
    expect(bash.results[0]!.summary).toContain('Level the trays from a shell');
    const ts = await corpus.rt.caller.knowledge.searchCode({ query, language: 'typescript' });
    expect(ts.results.map((r) => r.language)).toEqual(['typescript']);
    const tsUpper = await corpus.rt.caller.knowledge.searchCode({ query, language: 'TypeScript' });
    expect(tsUpper.results.map((r) => r.id)).toEqual(ts.results.map((r) => r.id));
    expect((await corpus.rt.caller.knowledge.searchCode({ query, language: 'cobol' })).results).toEqual([]);
  });

  it('full text matches words of the code itself, not only their English stems', async () => {
    // Code is indexed with the 'simple' configuration (no stemming); these words occur only in code.
    const widgets = await corpus.rt.caller.knowledge.searchCode({ query: 'widgets', mode: 'fulltext' });
    expect(widgets.results.map((r) => r.language)).toEqual(['typescript']);
    const tolerance = await corpus.rt.caller.knowledge.searchCode({ query: 'tolerance', mode: 'fulltext' });
    expect(tolerance.results.map((r) => r.language)).toEqual(['bash']);
  });

  it('each mode scores consistently, and source filters apply', async () => {
    const query = 'example of calling frobnicate in fast mode';
    const vector = await corpus.rt.caller.knowledge.searchCode({ query, mode: 'vector' });
    expect(vector.results.every((r) => r.score.textRank === null && r.score.vectorRank !== null)).toBe(true);
    const text = await corpus.rt.caller.knowledge.searchCode({ query, mode: 'fulltext' });
    expect(text.results.length).toBeGreaterThan(0);
    expect(text.results.every((r) => r.score.vectorRank === null && r.score.textRank !== null)).toBe(true);
    expect(text.results[0]!.language).toBe('typescript');
    const manualOnly = await corpus.rt.caller.knowledge.searchCode({ query, tags: ['manual'] });
    expect(manualOnly.results.map((r) => r.sourceId)).toEqual([src.manual]);
    expect((await corpus.rt.caller.knowledge.searchCode({ query, knowledgeType: 'business' })).results).toEqual([]);
  });

  it('a query without letters or digits gives no results and a warning', async () => {
    const res = await corpus.rt.caller.knowledge.searchCode({ query: '{}();' });
    expect(res.results).toEqual([]);
    expect(res.warnings.join(' ')).toMatch(/no letters or digits/);
  });
});

describe('knowledge.listPages', () => {
  const DOCS_PATHS = ['/docs/', '/docs/a', '/docs/b', '/docs/c/', '/docs/legal'];

  it('lists a source’s pages by URL with counts', async () => {
    const res = await corpus.rt.caller.knowledge.listPages({ sourceId: src.docs });
    expect(res).toMatchObject({ total: 5, limit: 50, offset: 0 });
    expect(res.items.map((p) => path(p.url))).toEqual(DOCS_PATHS);
    const a = res.items.find((p) => p.url.endsWith('/docs/a'))!;
    const stored = await corpus.rt.database.db.select({ n: count() }).from(chunks).where(eq(chunks.pageId, a.id));
    expect(a).toMatchObject({ sourceId: src.docs, title: 'Guide A | Fixture Docs', chunkCount: stored[0]!.n });
    expect(a.chunkCount).toBeGreaterThan(0);
    expect(a.charCount).toBeGreaterThan(100);
    expect(a.wordCount).toBeGreaterThan(10);
    expect(a).not.toHaveProperty('content');
  });

  it('pages through with limit and offset', async () => {
    const seen: string[] = [];
    for (let offset = 0; offset < 10; offset += 2) {
      const res = await corpus.rt.caller.knowledge.listPages({ sourceId: src.docs, limit: 2, offset });
      expect(res.total).toBe(5);
      expect(res.items.length).toBe(Math.max(0, Math.min(2, 5 - offset)));
      seen.push(...res.items.map((p) => path(p.url)));
    }
    expect(seen).toEqual(DOCS_PATHS);
  });

  it('filters by title or URL, treating LIKE wildcards literally', async () => {
    const guides = await corpus.rt.caller.knowledge.listPages({ sourceId: src.docs, query: 'guide' });
    expect(guides.items.map((p) => path(p.url))).toEqual(['/docs/a', '/docs/b']);
    expect(guides.total).toBe(2);
    const byUrl = await corpus.rt.caller.knowledge.listPages({ sourceId: src.docs, query: '/docs/c' });
    expect(byUrl.items.map((p) => path(p.url))).toEqual(['/docs/c/']);
    expect((await corpus.rt.caller.knowledge.listPages({ sourceId: src.docs, query: '%' })).total).toBe(0);
    expect((await corpus.rt.caller.knowledge.listPages({ sourceId: src.docs, query: '_' })).total).toBe(0);
    expect((await corpus.rt.caller.knowledge.listPages({ sourceId: src.i18n, query: 'größen' })).items.map((p) => path(p.url))).toEqual(['/i18n/de']);
  });

  it('answers NOT_FOUND for an unknown source', async () => {
    expect(await outcome(corpus.rt.caller.knowledge.listPages({ sourceId: '0123456789abcdef' }))).toBe('NOT_FOUND');
  });
});

describe('knowledge.readPage', () => {
  async function pageRow(p: string) {
    const [row] = await corpus.rt.database.db
      .select()
      .from(pages)
      .where(eq(pages.url, `${corpus.site.url}${p}`));
    return row!;
  }

  /** Reads a page in pieces, following the offset each notice gives. */
  async function readAll(ref: { pageId: string } | { url: string }, maxChars: number) {
    const parts: string[] = [];
    let offset = 0;
    for (let i = 0; i < 200; i++) {
      const res = await corpus.rt.caller.knowledge.readPage({ ...ref, offset, maxChars });
      parts.push(res.content);
      expect(res.offset).toBe(offset);
      if (res.truncated && res.content === '') throw new Error(`readPage is stuck at offset ${offset}: empty content, yet truncated (${res.notice})`);
      if (!res.truncated) {
        expect(res.notice).toBeNull();
        return parts;
      }
      const next = /offset (\d+)/.exec(res.notice ?? '');
      expect(next, `notice: ${res.notice}`).not.toBeNull();
      offset = Number(next![1]);
    }
    throw new Error('readPage never reached the end');
  }

  it('reads a whole page by id and by URL', async () => {
    const row = await pageRow('/docs/a');
    const byId = await corpus.rt.caller.knowledge.readPage({ pageId: row.id });
    expect(byId).toMatchObject({
      id: row.id,
      url: row.url,
      title: row.title,
      sourceId: src.docs,
      content: row.content,
      truncated: false,
      notice: null,
      offset: 0,
    });
    const byUrl = await corpus.rt.caller.knowledge.readPage({ url: `${corpus.site.url}/docs/a` });
    expect(byUrl).toEqual(byId);
  });

  it('a page over maxChars says so and reading on with the given offset yields the rest exactly', async () => {
    const row = await pageRow('/manual/ops');
    expect(row.charCount).toBeGreaterThan(4000);
    const first = await corpus.rt.caller.knowledge.readPage({ pageId: row.id, maxChars: 1000 });
    expect(first.truncated).toBe(true);
    expect(first.content).toBe(row.content.slice(0, 1000));
    expect(first.notice).toContain(String(row.charCount));
    expect(first.notice).toContain('offset 1000');
    const parts = await readAll({ pageId: row.id }, 1000);
    expect(parts.length).toBe(Math.ceil(row.charCount / 1000));
    expect(parts.join('')).toBe(row.content);
    expect((await readAll({ url: row.url }, 777)).join('')).toBe(row.content);
  });

  it('offsets count the same characters as the content returned, also beyond the BMP (emoji)', async () => {
    const row = await pageRow('/i18n/emoji');
    expect(row.content).toContain('👩‍🚀');
    const parts = await readAll({ pageId: row.id }, 100);
    expect(parts.join('')).toBe(row.content);
  });

  it('reading past the end gives empty content, not an error', async () => {
    const row = await pageRow('/docs/b');
    const res = await corpus.rt.caller.knowledge.readPage({ pageId: row.id, offset: row.charCount + 10 });
    expect(res).toMatchObject({ content: '', truncated: false, notice: null });
  });

  it('unknown pages are NOT_FOUND; both or neither of pageId/url is BAD_REQUEST', async () => {
    const row = await pageRow('/docs/a');
    expect(await outcome(corpus.rt.caller.knowledge.readPage({ pageId: '00000000-0000-4000-8000-000000000000' }))).toBe('NOT_FOUND');
    expect(await outcome(corpus.rt.caller.knowledge.readPage({ url: `${corpus.site.url}/docs/nope` }))).toBe('NOT_FOUND');
    expect(await outcome(corpus.rt.caller.knowledge.readPage({ pageId: row.id, url: row.url }))).toBe('BAD_REQUEST');
    expect(await outcome(corpus.rt.caller.knowledge.readPage({}))).toBe('BAD_REQUEST');
  });
});

describe('hostile and unusual queries', () => {
  const MODES = ['hybrid', 'vector', 'fulltext'] as const;

  async function everyMode(query: string) {
    const out: Record<string, { code: string; results: ChunkHit[]; warnings: string[] }> = {};
    for (const mode of MODES) {
      try {
        const res = await searchChunks({ query, mode, limit: 5 });
        out[mode] = { code: 'ok', results: res.results, warnings: res.warnings };
      } catch (err) {
        out[mode] = { code: err instanceof TRPCError ? err.code : String(err), results: [], warnings: [] };
      }
    }
    return out;
  }

  it('punctuation, symbols and emoji alone: empty results and a warning in every mode', async () => {
    for (const query of ['!!! ??? ...', '\\', '%_', '🚀', '👩‍🚀 🎉', '<-> & | !', '-- ;', '“”‘’']) {
      for (const [mode, r] of Object.entries(await everyMode(query))) {
        expect([query, mode, r.code, r.results.length]).toEqual([query, mode, 'ok', 0]);
        expect(r.warnings.join(' ')).toMatch(/no letters or digits/);
      }
    }
  });

  it('empty, blank, over-long and NUL-carrying queries are BAD_REQUEST', async () => {
    for (const query of ['', '   ', '\n\t ', 'x'.repeat(2001), 'a\0b']) {
      expect([JSON.stringify(query.slice(0, 20)), await outcome(corpus.rt.caller.knowledge.search({ query }))]).toEqual([
        JSON.stringify(query.slice(0, 20)),
        'BAD_REQUEST',
      ]);
      expect(await outcome(corpus.rt.caller.knowledge.searchCode({ query }))).toBe('BAD_REQUEST');
    }
  });

  it('a 2,000-character query works in every mode (also one with hundreds of distinct words)', async () => {
    const words = 'how do I install frob and configure its widgets options ';
    const long = `${words.repeat(Math.ceil(2000 / words.length)).slice(0, 1999)}s`;
    expect(long.trim().length).toBe(2000);
    for (const [mode, r] of Object.entries(await everyMode(long))) {
      expect([mode, r.code]).toEqual([mode, 'ok']);
      expect(r.results.length).toBeGreaterThan(0);
    }
    const distinct =
      Array.from({ length: 400 }, (_, i) => `w${i}`)
        .join(' ')
        .slice(0, 1990) + ' installing';
    for (const [mode, r] of Object.entries(await everyMode(distinct))) expect([mode, r.code]).toEqual([mode, 'ok']);
    // The limit applies to the trimmed query.
    expect(await outcome(corpus.rt.caller.knowledge.search({ query: `  ${'x'.repeat(2000)}  ` }))).toBe('ok');
  });

  it('SQL and tsquery metacharacters are just text', async () => {
    const before = (await corpus.rt.database.db.select({ n: count() }).from(chunks))[0]!.n;
    const queries = [
      "'; drop table chunks; --",
      'foo & | ! <-> (bar:*',
      "installing' OR '1'='1",
      "\\'; select pg_sleep(5); --",
      '"unbalanced quote',
      'widgets:* & !overlap | (install',
      "O'Reilly's frob\\nicator",
      'http://example.com/a:b*c!(d)',
      '$1 $$ :name ?',
    ];
    for (const query of queries) {
      for (const [mode, r] of Object.entries(await everyMode(query))) expect([query, mode, r.code]).toEqual([query, mode, 'ok']);
      expect(await outcome(corpus.rt.caller.knowledge.searchCode({ query }))).toBe('ok');
    }
    expect((await corpus.rt.database.db.select({ n: count() }).from(chunks))[0]!.n).toBe(before);
    const install = await searchChunks({ query: "installing' OR '1'='1", mode: 'fulltext' });
    expect(path(install.results[0]!.pageUrl)).toBe('/docs/b');
  });

  it('finds pages in German, Japanese, Russian and with emoji', async () => {
    const cases = [
      { query: 'Überprüfung der Größe', page: '/i18n/de', modes: MODES },
      { query: '設定ファイルを編集してください', page: '/i18n/ja', modes: MODES },
      // Not split into words by PostgreSQL's parser: found by its embedding only.
      { query: 'ウィジェットを自動的に配置', page: '/i18n/ja', modes: ['hybrid', 'vector'] as const },
      { query: 'Проверка конфигурации', page: '/i18n/ru', modes: MODES },
      { query: '🚀 launch checklist', page: '/i18n/emoji', modes: MODES },
    ];
    for (const c of cases) {
      const res = await everyMode(c.query);
      for (const mode of MODES) expect([c.query, mode, res[mode]!.code]).toEqual([c.query, mode, 'ok']);
      for (const mode of c.modes) expect([c.query, mode, path(res[mode]!.results[0]?.pageUrl ?? '')]).toEqual([c.query, mode, c.page]);
    }
    const de = (await searchChunks({ query: 'Überprüfung der Größe' })).results[0]!;
    expect(de.url).toBe(`${corpus.site.url}/i18n/de#pruefung`);
    expect(de.pageTitle).toContain('Größenprüfung');
  });

  it('other odd input: lone surrogates, control characters, right-to-left text, stop words only, one huge word', async () => {
    for (const query of ['\uD800abc', 'bell\u0007 \u001b[31mred', 'مرحبا بالعالم', 'the of and to', 'a'.repeat(2000), 'x\u200By\uFEFF']) {
      for (const [mode, r] of Object.entries(await everyMode(query)))
        expect([JSON.stringify(query.slice(0, 12)), mode, r.code]).toEqual([JSON.stringify(query.slice(0, 12)), mode, 'ok']);
    }
  });
});

describe('missing embeddings', () => {
  it('hybrid search still finds an unembedded source by full text; vector mode returns other sources only', async () => {
    const stored = await corpus.rt.database.db
      .select({ n: count() })
      .from(chunks)
      .where(and(eq(chunks.sourceId, src.deeper), sql`${chunks.embedding} is null`));
    expect(stored[0]!.n).toBeGreaterThan(0);

    const hybrid = await searchChunks({ query: 'integers', limit: 5 });
    expect(path(hybrid.results[0]!.pageUrl)).toBe('/docs/c/deeper');
    expect(hybrid.results[0]!.score).toMatchObject({ vectorRank: null, vectorSimilarity: null, textRank: 1 });
    const defaults = defaultFusion(corpus.rt.search.embedder);
    expect(hybrid.results[0]!.score.fused).toBeCloseTo(defaults.textWeight / (defaults.k + 1), 12);
    expect(hybrid.warnings).toEqual([]);

    const vector = await searchChunks({ query: 'integers', mode: 'vector', limit: 50 });
    expect(vector.results.length).toBeGreaterThan(0);
    expect(vector.results.some((h) => h.sourceId === src.deeper)).toBe(false);
    expect((await searchChunks({ query: 'integers', mode: 'vector', sourceIds: [src.deeper] })).results).toEqual([]);
    expect((await searchChunks({ query: 'integers', sourceIds: [src.deeper] })).results.map((h) => h.sourceId)).toEqual([src.deeper]);
  });

  describe('when the embedding provider is down at query time', () => {
    let deps: SearchDeps;
    let calls = 0;
    beforeAll(() => {
      deps = {
        ...corpus.rt.search,
        embedder: {
          model: corpus.rt.search.embedder.model,
          dimensions: corpus.rt.search.embedder.dimensions,
          embed: async () => {
            calls++;
            throw new Error('provider down');
          },
        },
      };
    });

    it('hybrid returns full-text results with a warning', async () => {
      const before = calls;
      const res = await searchKnowledge(deps, searchInputSchema.parse({ query: 'installing' }));
      expect(calls).toBe(before + 1);
      expect(res.results.length).toBeGreaterThan(0);
      expect(path((res.results[0] as ChunkHit).pageUrl)).toBe('/docs/b');
      expect((res.results as ChunkHit[]).every((h) => h.score.vectorRank === null && h.score.textRank !== null)).toBe(true);
      expect(res.warnings).toHaveLength(1);
      expect(res.warnings[0]).toMatch(/vector search unavailable: provider down.*full-text/);
    });

    it('vector mode fails with SERVICE_UNAVAILABLE (an AppError, and so over tRPC)', async () => {
      const err = await searchKnowledge(deps, searchInputSchema.parse({ query: 'installing', mode: 'vector' })).catch((e: unknown) => e);
      expect(isAppError(err)).toBe(true);
      expect(err).toMatchObject({ code: 'SERVICE_UNAVAILABLE', message: expect.stringMatching(/provider down/) });

      const caller = createCaller(createContextInner({ runtime: { ...corpus.rt, search: deps } }));
      expect(await outcome(caller.knowledge.search({ query: 'installing', mode: 'vector' }))).toBe('SERVICE_UNAVAILABLE');
      const hybrid = await caller.knowledge.search({ query: 'installing' });
      expect(hybrid.warnings.length).toBe(1);
      const code = await caller.knowledge.searchCode({ query: 'example of calling frobnicate in fast mode' });
      expect(code.results[0]?.language).toBe('typescript');
      expect(code.warnings.join(' ')).toMatch(/vector search unavailable/);
      expect(await outcome(caller.knowledge.searchCode({ query: 'frobnicate', mode: 'vector' }))).toBe('SERVICE_UNAVAILABLE');
    });

    it('full-text mode does not call the embedder at all', async () => {
      const before = calls;
      const res = await searchKnowledge(deps, searchInputSchema.parse({ query: 'installing', mode: 'fulltext' }));
      expect(calls).toBe(before);
      expect(res.warnings).toEqual([]);
      expect(res.results.length).toBeGreaterThan(0);
    });
  });
});

// Last: it adds sources, which would change the expectations above.
describe('freshly indexed content', () => {
  it('full text finds a word that first appears in a page indexed after a search', async () => {
    const sections = Array.from(
      { length: 50 },
      (_, i) =>
        `<h2 id="part-${i}">Part ${i}</h2><p>${`Part ${i} of the bulk reference describes lever number ${i} and the sound it makes when pulled. `.repeat(6)}</p>`,
    ).join('\n');
    corpus.site.setPage('/bulk/reference', fixturePage('Bulk reference', `<h1>Bulk reference</h1>${sections}`));
    await crawlToEnd({ url: `${corpus.site.url}/bulk/reference`, mode: 'single' });
    expect((await corpus.rt.database.db.select({ n: count() }).from(chunks))[0]!.n).toBeGreaterThanOrEqual(corpus.totalChunks + 50);
    // Someone searches the grown knowledge base…
    expect((await searchChunks({ query: 'lever sound', mode: 'fulltext' })).results.length).toBeGreaterThan(0);
    // …then a new page is indexed, and its distinctive word is searched for at once.
    corpus.site.setPage(
      '/bulk/fresh',
      fixturePage('Fresh page', `<h1 id="fresh">Fresh page</h1><p>The quokkaberry jam recipe needs three jars and a patient cook.</p>`),
    );
    const fresh = await crawlToEnd({ url: `${corpus.site.url}/bulk/fresh`, mode: 'single' });
    // The page is indexed: search dependencies created now find it by full text.
    const newDeps = createSearchDeps(corpus.rt.config, corpus.rt.ingest);
    const control = await searchKnowledge(newDeps, searchInputSchema.parse({ query: 'quokkaberry', mode: 'fulltext' }));
    expect((control.results as ChunkHit[]).map((h) => h.sourceId)).toEqual([fresh]);
    // The running process must find it too, without waiting for its term statistics to age.
    for (const mode of ['fulltext', 'hybrid'] as const) {
      const res = await searchChunks({ query: 'quokkaberry', mode, limit: 3 });
      expect([mode, res.results[0]?.sourceId, res.results[0]?.score.textRank]).toEqual([mode, fresh, 1]);
    }
  });
});
