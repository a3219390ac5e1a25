import OpenAI from 'openai';

/** Reorders candidates for a query; returns one relevance score per document (higher is better). */
export type Reranker = { name: string; rerank(query: string, documents: string[]): Promise<number[]> };

export type RerankSettings =
  | { kind: 'endpoint'; baseURL: string; apiKey?: string; model: string; timeoutMs?: number }
  | { kind: 'chat'; baseURL: string; apiKey?: string; model: string; timeoutMs?: number };

const DOC_CHARS = 1500;

/**
 * A `/rerank` endpoint in the Cohere/Jina/TEI style: `{ model, query,
 * documents, top_n }` → `{ results: [{ index, relevance_score }] }`.
 */
function endpointReranker(s: Extract<RerankSettings, { kind: 'endpoint' }>): Reranker {
  const url = `${s.baseURL.replace(/\/$/, '')}/rerank`;
  return {
    name: `${s.model} via ${url}`,
    async rerank(query, documents) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(s.apiKey ? { authorization: `Bearer ${s.apiKey}` } : {}) },
        body: JSON.stringify({ model: s.model, query, documents: documents.map((d) => d.slice(0, DOC_CHARS)), top_n: documents.length }),
        signal: AbortSignal.timeout(s.timeoutMs ?? 10_000),
      });
      if (!res.ok) throw new Error(`rerank endpoint answered HTTP ${res.status}`);
      const body = (await res.json()) as { results?: { index: number; relevance_score?: number; score?: number }[] };
      const scores = new Array<number>(documents.length).fill(-Infinity);
      for (const r of body.results ?? []) {
        if (Number.isInteger(r.index) && r.index >= 0 && r.index < documents.length) scores[r.index] = r.relevance_score ?? r.score ?? -Infinity;
      }
      return scores;
    },
  };
}

/** An OpenAI-compatible chat model asked for a 0–10 relevance score per passage, as JSON. */
function chatReranker(s: Extract<RerankSettings, { kind: 'chat' }>): Reranker {
  const client = new OpenAI({ baseURL: s.baseURL, apiKey: s.apiKey ?? 'not-needed', timeout: s.timeoutMs ?? 20_000, maxRetries: 1 });
  return {
    name: `${s.model} (chat)`,
    async rerank(query, documents) {
      const passages = documents.map((d, i) => `[${i}] ${d.slice(0, DOC_CHARS).replace(/\s+/g, ' ')}`).join('\n\n');
      const res = await client.chat.completions.create({
        model: s.model,
        temperature: 0,
        response_format: { type: 'json_object' },
        messages: [
          {
            role: 'system',
            content:
              'You rate how well passages answer a search query. Reply with JSON only: {"scores": [n0, n1, …]}, one number from 0 (irrelevant) to 10 (answers it) per passage, in order.',
          },
          { role: 'user', content: `Query: ${query}\n\nPassages:\n${passages}` },
        ],
      });
      const text = res.choices[0]?.message?.content ?? '';
      const parsed = JSON.parse(text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1)) as { scores?: unknown[] };
      if (!Array.isArray(parsed.scores) || parsed.scores.length !== documents.length) throw new Error('the rerank model returned no usable scores');
      return parsed.scores.map((x) => (typeof x === 'number' && Number.isFinite(x) ? x : -Infinity));
    },
  };
}

export function createReranker(settings: RerankSettings | null): Reranker | null {
  if (!settings) return null;
  return settings.kind === 'endpoint' ? endpointReranker(settings) : chatReranker(settings);
}
