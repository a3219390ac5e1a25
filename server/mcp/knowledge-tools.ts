import { z } from 'zod';
import { KNOWLEDGE_TYPES } from '../../db/schema/knowledge';
import { REFRESH_INTERVALS, sourceIdSchema, tagsSchema, titleSchema, uuidSchema } from '../schemas/common';
import { crawlOptionsSchema, crawlUrlSchema } from '../schemas/knowledge';
import { MAX_PAGE_CHARS, readPageSchema, searchCodeInputSchema, searchInputSchema } from '../schemas/search';
import { trimmedTextSchema } from '../schemas/sources';
import { uploadFileNameSchema } from '../schemas/uploads';
import type { ChunkHit } from '../services/search/hits';
import type { McpBackend } from './backend';
import { codePoints, leftOutNotice, packPassages, readCut } from './budget';
import { ToolInputError } from './errors';
import { followJob, startedJobSchema } from './progress';
import { clip, DESTROYS, defineTool, READ_ONLY, type ToolDef, toJson, WRITES } from './tool';

const query = searchInputSchema.shape.query;
const sourceFilter = sourceIdSchema.optional().describe('Only this source (an id from rag_get_available_sources)');
const maxTokens = z.number().int().min(100).max(100_000).optional();
const wait = z
  .boolean()
  .optional()
  .describe('Wait for the job to end (default: if progress is asked for); cancelling a wait=true call cancels the job, a client timeout does not');

/** An empty search within one source: say so if that source does not exist, rather than "nothing found". */
async function checkSource(backend: McpBackend, sourceId: string | undefined, found: number) {
  if (sourceId !== undefined && found === 0) await backend.getSource(sourceId);
}

/** rag_upload_document's `content`, counted in UTF-8 bytes: what the file will hold, and what the request carries. */
export const MAX_CONTENT_BYTES = 3_000_000;
const contentSchema = z
  .string()
  .refine((s) => !s.includes('\0'), 'must not contain NUL characters')
  .superRefine((s, ctx) => {
    // A UTF-16 unit is at most 3 bytes of UTF-8: a text under a third of the bound needs no counting.
    const bytes = s.length * 3 > MAX_CONTENT_BYTES ? Buffer.byteLength(s, 'utf8') : s.length;
    if (bytes > MAX_CONTENT_BYTES)
      ctx.addIssue({
        code: 'custom',
        message: `must be at most ${MAX_CONTENT_BYTES} bytes as UTF-8 (this is ${bytes}); larger files go to POST /api/uploads`,
      });
  });

/** Base64 as tools and people produce it: line breaks (every 76 characters from `base64`) and spaces are ignored. */
const base64Schema = z
  .string()
  .max(4_200_000, 'must be at most 4000000 characters of base64 (3 MB), not counting line breaks')
  .transform((s) => s.replace(/\s+/g, ''))
  .pipe(
    z
      .string()
      .max(4_000_000, 'must be at most 4000000 characters of base64 (3 MB), not counting line breaks')
      .superRefine((s, ctx) => {
        const issue = !/^[A-Za-z0-9+/]*={0,2}$/.test(s)
          ? 'must be base64: A–Z, a–z, 0–9, + and /, with = only at the end (line breaks are ignored)'
          : s.length % 4 === 1
            ? 'is not whole base64: it comes in groups of 4 characters, and 1 is left over'
            : s.includes('=') && s.length % 4 !== 0
              ? 'is not whole base64: = pads the last group to 4 characters'
              : null;
        if (issue) ctx.addIssue({ code: 'custom', message: issue });
      }),
  );

const sourceSchema = z.looseObject({ id: z.string(), title: z.string(), url: z.string().nullable(), pages: z.number() });

const getAvailableSources = defineTool({
  name: 'rag_get_available_sources',
  access: 'read',
  description: 'List knowledge sources with their ids. `query` finds a library by name, URL or summary words ("react").',
  input: z.strictObject({
    query: trimmedTextSchema(200).optional(),
    limit: z.number().int().min(1).max(200).default(50),
    offset: z.number().int().min(0).default(0),
  }),
  output: z.object({ sources: z.array(sourceSchema), total: z.number() }),
  annotations: READ_ONLY,
  run: async (args, { backend }) => {
    const page = await backend.listSources({ query: args.query || undefined, limit: args.limit, offset: args.offset });
    const sources = page.items.map((s) =>
      toJson({
        id: s.id,
        title: s.title,
        url: s.url,
        kind: s.kind,
        knowledgeType: s.knowledgeType,
        tags: s.tags,
        summary: clip(s.summary, 300),
        pages: s.pageCount,
        chunks: s.chunkCount,
        codeExamples: s.codeExampleCount,
        lastCrawledAt: s.lastCrawledAt,
      }),
    );
    const head = sources.length
      ? `${sources.length} of ${page.total} source(s)${args.query ? ` matching "${args.query}"` : ''}:`
      : `No source${args.query ? ` matches "${args.query}"` : ' yet'}. Add one with rag_add_source.`;
    const lines = sources.map(
      (s) =>
        `- ${s.title} [source_id ${s.id}] ${s.url ?? `(${s.kind})`}: ${s.pages} pages, ${s.chunks} chunks, ${s.codeExamples} code examples${s.summary ? `. ${s.summary}` : ''}`,
    );
    return { data: { sources, total: page.total }, text: [head, ...lines].join('\n') };
  },
});

const resultSchema = z.looseObject({ pageId: z.string(), url: z.string() });

const chunkResult = (h: ChunkHit) => ({
  chunkId: h.chunkId,
  pageId: h.pageId,
  url: h.url,
  title: h.pageTitle,
  headingPath: h.headingPath,
  sourceId: h.sourceId,
  score: h.score.rerank ?? h.score.fused,
  content: h.content,
});

const section = (headingPath: string[]) => (headingPath.length ? ` › ${headingPath.join(' › ')}` : '');

const searchKnowledgeBase = defineTool({
  name: 'rag_search_knowledge_base',
  access: 'read',
  description:
    'Search the docs with 2-5 keywords. return_mode pages: pages with an excerpt; chunks: passages. ' +
    'max_tokens: the best whole passages that fit (tokens ≈ chars/4), saying what was left out.',
  input: z.strictObject({
    query,
    source_id: sourceFilter,
    match_count: searchInputSchema.shape.limit,
    return_mode: z.enum(['pages', 'chunks']).default('pages'),
    max_tokens: maxTokens,
  }),
  output: z.object({
    returnMode: z.string(),
    results: z.array(resultSchema),
    leftOut: z.looseObject({ passages: z.number() }).nullable(),
    notice: z.string().nullable(),
    warnings: z.array(z.string()),
  }),
  aliases: { limit: 'match_count', returnMode: 'return_mode', sourceIds: 'source_id' },
  annotations: READ_ONLY,
  run: async (args, { backend }) => {
    const sourceIds = args.source_id ? [args.source_id] : undefined;
    const mode = args.return_mode;
    if (args.max_tokens === undefined) {
      const res = await backend.search({ query: args.query, limit: args.match_count, returnMode: mode, sourceIds });
      await checkSource(backend, args.source_id, res.results.length);
      if (res.returnMode === 'pages') {
        const results = res.results.map((p) => ({
          pageId: p.pageId,
          url: p.best.url,
          title: p.title,
          sourceId: p.sourceId,
          sourceTitle: p.sourceTitle,
          score: p.score,
          chunkMatches: p.chunkMatches,
          excerpt: p.best.excerpt,
        }));
        const lines = results.map(
          (r, i) =>
            `${i + 1}. ${r.title} — ${r.url}\n   page_id ${r.pageId}, source ${r.sourceId}, ${r.chunkMatches} matching chunk(s)\n   ${r.excerpt.replace(/\s+/g, ' ')}`,
        );
        const text = results.length
          ? `${results.length} page(s) for "${args.query}":\n${lines.join('\n')}\nRead one with rag_read_full_page(page_id).`
          : `Nothing found for "${args.query}".`;
        return { data: { returnMode: mode, results, leftOut: null, notice: null, warnings: res.warnings }, text: withWarnings(text, res.warnings) };
      }
      const results = res.results.map(chunkResult);
      const lines = results.map((r, i) => `${i + 1}. ${r.title}${section(r.headingPath)} — ${r.url} (page_id ${r.pageId})\n${r.content}`);
      const text = results.length
        ? `${results.length} passage(s) for "${args.query}":\n\n${lines.join('\n\n')}`
        : `Nothing found for "${args.query}".`;
      return { data: { returnMode: mode, results, leftOut: null, notice: null, warnings: res.warnings }, text: withWarnings(text, res.warnings) };
    }

    // A budget: rank passages (chunks), then keep the best that fit.
    const res = await backend.search({ query: args.query, limit: 50, returnMode: 'chunks', sourceIds });
    await checkSource(backend, args.source_id, res.results.length);
    const hits = res.results as ChunkHit[];
    const packed = packPassages(hits, {
      maxTokens: args.max_tokens,
      ...(mode === 'pages' ? { maxPages: args.match_count } : { maxPassages: args.match_count }),
    });
    const notice = leftOutNotice(packed.leftOut, args.max_tokens);
    const leftOut = { passages: packed.leftOut.passages, tokens: packed.leftOut.tokens };
    const results =
      mode === 'pages'
        ? packed.pages.map((p) => ({
            pageId: p.pageId,
            url: p.url,
            title: p.title,
            sourceId: p.sourceId,
            sourceTitle: p.sourceTitle,
            score: p.score,
            passages: p.passages.map(({ chunkId, url, headingPath, content }) => ({ chunkId, url, headingPath, content })),
          }))
        : packed.pages.flatMap((p) =>
            p.passages.map((x) => ({
              chunkId: x.chunkId,
              pageId: p.pageId,
              url: x.url,
              title: p.title,
              headingPath: x.headingPath,
              sourceId: p.sourceId,
              score: p.score,
              content: x.content,
            })),
          );
    const blocks = packed.pages.map(
      (p) =>
        `## ${p.title} — ${p.url} (page_id ${p.pageId}, source ${p.sourceId})\n\n${p.passages.map((x) => `${section(x.headingPath).slice(3) || p.title}:\n${x.content}`).join('\n\n')}`,
    );
    const head = `${packed.pages.reduce((n, p) => n + p.passages.length, 0)} passage(s), about ${packed.tokens} tokens, for "${args.query}".`;
    const text = [head, ...blocks, ...(notice ? [notice] : [])].join('\n\n');
    return { data: { returnMode: mode, results, leftOut, notice, warnings: res.warnings }, text: withWarnings(text, res.warnings) };
  },
});

const withWarnings = (text: string, warnings: string[]) => (warnings.length ? `${text}\nNote: ${warnings.join('; ')}` : text);

const searchCodeExamples = defineTool({
  name: 'rag_search_code_examples',
  access: 'read',
  description: 'Search code examples (code, name, summary). Keep query to 2-5 keywords.',
  input: z.strictObject({
    query,
    source_id: sourceFilter,
    match_count: searchCodeInputSchema.shape.limit,
    language: searchCodeInputSchema.shape.language,
  }),
  output: z.object({
    results: z.array(z.looseObject({ id: z.number(), code: z.string() })),
    warnings: z.array(z.string()),
  }),
  aliases: { limit: 'match_count', sourceIds: 'source_id' },
  annotations: READ_ONLY,
  run: async (args, { backend }) => {
    const res = await backend.searchCode({
      query: args.query,
      limit: args.match_count,
      language: args.language,
      sourceIds: args.source_id ? [args.source_id] : undefined,
    });
    await checkSource(backend, args.source_id, res.results.length);
    const results = res.results.map((h) => ({
      id: h.id,
      language: h.language,
      name: h.name,
      summary: h.summary,
      url: h.url,
      pageId: h.pageId,
      sourceId: h.sourceId,
      score: h.score.fused,
      code: h.code,
    }));
    const lines = results.map(
      (r, i) => `${i + 1}. ${r.name} (${r.language}, id ${r.id}) — ${r.url}\n${r.summary}\n\`\`\`${r.language}\n${r.code}\n\`\`\``,
    );
    const text = results.length
      ? `${results.length} code example(s) for "${args.query}":\n\n${lines.join('\n\n')}`
      : `No code example found for "${args.query}".`;
    return { data: { results, warnings: res.warnings }, text: withWarnings(text, res.warnings) };
  },
});

const listPagesForSource = defineTool({
  name: 'rag_list_pages_for_source',
  access: 'read',
  description: "List a source's pages (id, URL, title, size), by URL.",
  input: z.strictObject({
    source_id: sourceIdSchema,
    section: trimmedTextSchema(200).optional().describe('Only pages whose title or URL contains this'),
    limit: z.number().int().min(1).max(200).default(50),
    offset: z.number().int().min(0).default(0),
  }),
  output: z.object({
    sourceId: z.string(),
    pages: z.array(z.looseObject({ id: z.string(), url: z.string() })),
    total: z.number(),
  }),
  aliases: { query: 'section' },
  annotations: READ_ONLY,
  run: async (args, { backend }) => {
    const res = await backend.listPages({ sourceId: args.source_id, query: args.section || undefined, limit: args.limit, offset: args.offset });
    const pages = res.items.map((p) => ({ id: p.id, url: p.url, title: p.title, chars: p.charCount, chunks: p.chunkCount }));
    const lines = pages.map((p) => `- ${p.title} — ${p.url} (page_id ${p.id}, ${p.chars} chars)`);
    const more = args.offset + pages.length < res.total ? `\nMore: offset ${args.offset + pages.length}.` : '';
    return {
      data: { sourceId: args.source_id, pages, total: res.total },
      text: `${pages.length} of ${res.total} page(s) in source ${args.source_id}:\n${lines.join('\n')}${more}`,
    };
  },
});

const readFullPage = defineTool({
  name: 'rag_read_full_page',
  access: 'read',
  description: `Read a page's Markdown by page_id or url, ${MAX_PAGE_CHARS} characters at a time (a notice gives the next offset). max_tokens returns whole passages that fit.`,
  input: z.strictObject({
    page_id: uuidSchema.optional(),
    url: readPageSchema.shape.url,
    source_id: sourceIdSchema.optional().describe('With url, when several sources hold it'),
    offset: z.number().int().min(0).max(100_000_000).default(0),
    max_tokens: maxTokens,
  }),
  output: z.object({
    page: z.looseObject({ id: z.string(), chars: z.number(), end: z.number(), truncated: z.boolean() }),
    content: z.string(),
    notice: z.string().nullable(),
  }),
  aliases: { pageId: 'page_id', maxChars: 'max_tokens' },
  annotations: READ_ONLY,
  run: async (args, { backend }) => {
    if ((args.page_id === undefined) === (args.url === undefined)) throw new ToolInputError('page_id or url: give one of them');
    if (args.source_id !== undefined && args.url === undefined) throw new ToolInputError('source_id goes with url (a page_id is already unique)');
    const maxChars = args.max_tokens === undefined ? MAX_PAGE_CHARS : Math.min(MAX_PAGE_CHARS, Math.max(100, args.max_tokens * 4));
    const page = await backend.readPage({ pageId: args.page_id, url: args.url, sourceId: args.source_id, offset: args.offset, maxChars });
    let content = page.content;
    let end = args.offset + codePoints(content);
    let notice = page.notice;
    if (args.max_tokens !== undefined && page.truncated) {
      const cut = readCut(content);
      // A first line longer than the budget is returned cut, rather than nothing.
      if (cut.whole) {
        content = content.slice(0, cut.at);
        end = args.offset + codePoints(content);
      }
      notice = `This page has ${page.charCount} characters; this is ${args.offset}–${end}${cut.whole ? `, whole ${cut.whole} within max_tokens` : ''}. Read on with offset ${end}.`;
    }
    const truncated = end < page.charCount;
    const data = {
      page: { id: page.id, sourceId: page.sourceId, url: page.url, title: page.title, chars: page.charCount, offset: args.offset, end, truncated },
      content,
      notice: truncated ? notice : null,
    };
    const header = `# ${page.title}\n${page.url} (page_id ${page.id}, source ${page.sourceId})\n\n`;
    return { data, text: `${header}${content}${data.notice ? `\n\n[${data.notice}]` : ''}` };
  },
});

const crawl = crawlOptionsSchema.shape;
const addSource = defineTool({
  name: 'rag_add_source',
  access: 'write',
  description: 'Crawl a documentation site into a source. Returns the job, or its end state when waiting.',
  input: z.strictObject({
    url: crawlUrlSchema,
    title: titleSchema(200).optional(),
    knowledge_type: z.enum(KNOWLEDGE_TYPES).optional(),
    tags: tagsSchema.optional(),
    refresh_interval: z.enum(REFRESH_INTERVALS).optional(),
    mode: crawl.mode,
    max_depth: crawl.maxDepth,
    max_pages: crawl.maxPages,
    include: crawl.include.describe('URL globs or /regex/ to crawl'),
    exclude: crawl.exclude,
    scope: crawl.scope,
    respect_robots: crawl.respectRobots,
    concurrency: crawl.concurrency,
    delay_ms: crawl.delayMs,
    timeout_ms: crawl.timeoutMs,
    max_bytes: crawl.maxBytes,
    max_redirects: crawl.maxRedirects,
    wait,
  }),
  output: startedJobSchema,
  annotations: { ...WRITES, openWorldHint: true },
  run: async (args, ctx) => {
    const job = await ctx.backend.crawl({
      url: args.url,
      title: args.title,
      knowledgeType: args.knowledge_type,
      tags: args.tags,
      refreshInterval: args.refresh_interval,
      mode: args.mode,
      maxDepth: args.max_depth,
      maxPages: args.max_pages,
      include: args.include,
      exclude: args.exclude,
      scope: args.scope,
      respectRobots: args.respect_robots,
      concurrency: args.concurrency,
      delayMs: args.delay_ms,
      timeoutMs: args.timeout_ms,
      maxBytes: args.max_bytes,
      maxRedirects: args.max_redirects,
    });
    return followJob(ctx, job, args.wait);
  },
});

const uploadDocument = defineTool({
  name: 'rag_upload_document',
  access: 'write',
  description:
    'Add a file (Markdown, text, HTML, RST, PDF, DOCX; up to 3 MB) as a source: text in content or bytes in content_base64. source_id adds to an earlier upload.',
  input: z.strictObject({
    filename: uploadFileNameSchema,
    content: contentSchema.optional(),
    content_base64: base64Schema.optional(),
    title: titleSchema(200).optional(),
    knowledge_type: z.enum(KNOWLEDGE_TYPES).optional(),
    tags: tagsSchema.optional(),
    source_id: sourceIdSchema.optional(),
    wait,
  }),
  output: startedJobSchema,
  annotations: WRITES,
  run: async (args, ctx) => {
    if ((args.content === undefined) === (args.content_base64 === undefined)) throw new ToolInputError('content or content_base64: give one of them');
    const contentBase64 = args.content_base64 ?? Buffer.from(args.content!, 'utf8').toString('base64');
    const job = await ctx.backend.upload({
      files: [{ name: args.filename, contentBase64 }],
      title: args.title,
      knowledgeType: args.knowledge_type,
      tags: args.tags,
      sourceId: args.source_id,
    });
    return followJob(ctx, job, args.wait);
  },
});

const refreshSource = defineTool({
  name: 'rag_refresh_source',
  access: 'write',
  description: 'Re-crawl a source with its options: unchanged pages are skipped, vanished ones removed.',
  input: z.strictObject({ source_id: sourceIdSchema, wait }),
  output: startedJobSchema,
  aliases: { id: 'source_id' },
  annotations: { ...WRITES, openWorldHint: true },
  run: async (args, ctx) => followJob(ctx, await ctx.backend.refresh(args.source_id), args.wait),
});

const deleteSource = defineTool({
  name: 'rag_delete_source',
  access: 'admin',
  description: 'Delete a source with all its pages, chunks and code examples (its running job is cancelled).',
  input: z.strictObject({ source_id: sourceIdSchema }),
  output: z.object({ deleted: z.looseObject({ id: z.string() }) }),
  aliases: { id: 'source_id' },
  annotations: DESTROYS,
  run: async (args, { backend }) => {
    const deleted = await backend.deleteSource(args.source_id);
    return { data: { deleted }, text: `Deleted source ${deleted.id}: ${deleted.pages} pages, ${deleted.chunks} chunks.` };
  },
});

export const knowledgeTools: ToolDef[] = [
  getAvailableSources,
  searchKnowledgeBase,
  searchCodeExamples,
  listPagesForSource,
  readFullPage,
  addSource,
  uploadDocument,
  refreshSource,
  deleteSource,
];
