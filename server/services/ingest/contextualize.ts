import OpenAI from 'openai';
import { mapLimit } from './map-limit';

/**
 * Contextual embeddings (off by default, as in Archon v1): a chat model writes
 * one line situating each chunk in its document. The line is embedded with the
 * chunk and indexed for full-text search, but stored apart from the chunk's
 * own text (Archon v1 overwrote the content with it).
 */
export type Contextualizer = {
  model: string;
  contextualize(doc: { title: string; markdown: string }, chunks: string[]): Promise<(string | null)[]>;
};

const DOC_PREVIEW_CHARS = 2000;
const CHUNK_CHARS = 600;
const CHUNKS_PER_CALL = 20;
const MAX_LINE_CHARS = 300;

export function createContextualizer(opts: {
  baseURL: string;
  apiKey?: string;
  model: string;
  concurrency: number;
  timeoutMs?: number;
}): Contextualizer {
  const client = new OpenAI({ baseURL: opts.baseURL, apiKey: opts.apiKey ?? 'not-needed', timeout: opts.timeoutMs ?? 30_000, maxRetries: 2 });
  const describe = async (doc: { title: string; markdown: string }, chunks: string[]) => {
    const list = chunks.map((c, i) => `CHUNK ${i}:\n${c.slice(0, CHUNK_CHARS)}`).join('\n\n');
    const res = await client.chat.completions.create({
      model: opts.model,
      temperature: 0,
      response_format: { type: 'json_object' },
      messages: [
        {
          role: 'system',
          content:
            'For each chunk of a document, write one short sentence that situates it in the whole document, to improve search retrieval. ' +
            'Reply with JSON only: {"contexts": ["…", …]}, one string per chunk, in order.',
        },
        { role: 'user', content: `Document: ${doc.title}\n${doc.markdown.slice(0, DOC_PREVIEW_CHARS)}\n\n${list}` },
      ],
    });
    const text = res.choices[0]?.message?.content ?? '';
    const parsed = JSON.parse(text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1)) as { contexts?: unknown[] };
    return chunks.map((_, i) => {
      const line = parsed.contexts?.[i];
      return typeof line === 'string' && line.trim() ? line.replace(/\s+/g, ' ').trim().slice(0, MAX_LINE_CHARS) : null;
    });
  };
  return {
    model: opts.model,
    async contextualize(doc, chunks) {
      const groups: string[][] = [];
      for (let i = 0; i < chunks.length; i += CHUNKS_PER_CALL) groups.push(chunks.slice(i, i + CHUNKS_PER_CALL));
      // A failed call leaves its chunks without context: they are still embedded and stored.
      const lines = await mapLimit(groups, opts.concurrency, (group) => describe(doc, group).catch(() => group.map(() => null)));
      return lines.flat();
    },
  };
}
