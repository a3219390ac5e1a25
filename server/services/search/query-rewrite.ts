import OpenAI from 'openai';

// Query rewriting by the configured chat model (off by default): before the
// search, the model rewrites the question in the words documentation uses
// (`percentile_cont` for "median", `string_agg` for "concatenate values from
// several rows"), and/or writes a short passage such as the answer might be
// (HyDE, "hypothetical document embeddings"). The rewrite gets a full-text
// list of its own, fused with the original query's; the passage is embedded
// with the query for the vector side. Its quality can only be measured where
// a model is reachable; without one, nothing here runs.

export const QUERY_REWRITE_MODES = ['off', 'rewrite', 'hyde', 'both'] as const;
export type QueryRewriteMode = (typeof QUERY_REWRITE_MODES)[number];

export type QueryRewrite = {
  /** The query in the documentation's vocabulary, or null when not asked for or not given. */
  query: string | null;
  /** A short hypothetical answer passage, or null when not asked for or not given. */
  passage: string | null;
};

export type QueryRewriter = {
  name: string;
  mode: Exclude<QueryRewriteMode, 'off'>;
  timeoutMs: number;
  /** Throws on any failure, including the timeout; the caller searches without a rewrite then. */
  rewrite(query: string, corpus: string[]): Promise<QueryRewrite>;
};

export type QueryRewriteSettings = {
  mode: QueryRewriteMode;
  baseURL: string;
  apiKey?: string;
  model: string;
  timeoutMs: number;
};

const MAX_REWRITE_CHARS = 300;
const MAX_PASSAGE_CHARS = 1200;
const MAX_CORPUS_TITLES = 20;
const CACHE_SIZE = 200;

const oneLine = (value: unknown, max: number) => (typeof value === 'string' && value.trim() ? value.replace(/\s+/g, ' ').trim().slice(0, max) : null);

function instructions(mode: QueryRewriter['mode']): string {
  const fields = [
    mode !== 'hyde' &&
      '"query": the search rewritten as keywords in the vocabulary the documentation itself would use (the names of functions, commands, settings and terms of art it would write), at most 30 words, keeping its meaning',
    mode !== 'rewrite' && '"passage": two to four sentences written as the documentation might answer it',
  ].filter(Boolean);
  const shape = mode === 'both' ? '{"query": "…", "passage": "…"}' : mode === 'rewrite' ? '{"query": "…"}' : '{"passage": "…"}';
  return `You help a search engine over a documentation knowledge base find what a user's search is about. Reply with JSON only: ${shape}, where ${fields.join('; and ')}. Do not answer with anything else.`;
}

/**
 * A rewriter over an OpenAI-compatible chat model. One request per query,
 * bounded by `timeoutMs` and never retried (a retry would overrun the bound);
 * rewrites that succeeded are kept for repeated queries.
 */
export function createQueryRewriter(settings: QueryRewriteSettings): QueryRewriter | null {
  if (settings.mode === 'off') return null;
  const mode = settings.mode;
  const client = new OpenAI({ baseURL: settings.baseURL, apiKey: settings.apiKey ?? 'not-needed', timeout: settings.timeoutMs, maxRetries: 0 });
  const cache = new Map<string, QueryRewrite>();
  return {
    name: `${settings.model} (${mode})`,
    mode,
    timeoutMs: settings.timeoutMs,
    async rewrite(query, corpus) {
      const key = `${corpus.join('\n')}\n\n${query}`;
      const cached = cache.get(key);
      if (cached) return cached;
      const titles = corpus.slice(0, MAX_CORPUS_TITLES);
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), settings.timeoutMs);
      try {
        const res = await client.chat.completions.create(
          {
            model: settings.model,
            temperature: 0,
            response_format: { type: 'json_object' },
            messages: [
              { role: 'system', content: instructions(mode) },
              { role: 'user', content: `${titles.length ? `The knowledge base holds: ${titles.join('; ')}.\n\n` : ''}Search: ${query}` },
            ],
          },
          { signal: controller.signal },
        );
        const text = res.choices[0]?.message?.content ?? '';
        let parsed: { query?: unknown; passage?: unknown };
        try {
          parsed = JSON.parse(text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1)) ?? {};
        } catch {
          throw new Error('the chat model did not reply with JSON');
        }
        const out: QueryRewrite = {
          query: mode === 'hyde' ? null : oneLine(parsed.query, MAX_REWRITE_CHARS),
          passage: mode === 'rewrite' ? null : oneLine(parsed.passage, MAX_PASSAGE_CHARS),
        };
        if (!out.query && !out.passage) throw new Error('the chat model returned no usable rewrite');
        if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
        cache.set(key, out);
        return out;
      } catch (err) {
        if (controller.signal.aborted) throw new Error(`no answer from the chat model within ${settings.timeoutMs} ms`);
        throw err;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
