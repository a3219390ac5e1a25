import OpenAI from 'openai';
import { z } from 'zod';
import type { Logger } from '../../logger';
import { capRetryAfter } from '../embeddings/cap-retry-after';
import { mapLimit } from './map-limit';
import { trimToSentences } from './prose-text';

export type CodeToSummarize = { code: string; language: string; context: string };
export type CodeSummary = { name: string; summary: string };
type CallOptions = { signal?: AbortSignal };

/**
 * Names and summaries written by a chat model. Every answer is bounded in
 * length; null marks an example or source the model gave no usable answer
 * for, so the caller keeps its deterministic name and summary.
 */
export type Summarizer = {
  model: string;
  /** One entry per example, in order. */
  summarizeCode(examples: CodeToSummarize[], opts?: CallOptions): Promise<(CodeSummary | null)[]>;
  /** A few sentences on what a source (its title and opening text) is about. */
  summarizeSource(title: string, text: string, opts?: CallOptions): Promise<string | null>;
};

export const NAME_CHARS = 80;
export const CODE_SUMMARY_CHARS = 400;
export const SOURCE_SUMMARY_CHARS = 500;
// What the model sees, as in Archon v1: the start of the code and the text around it.
const CODE_PROMPT_CHARS = 1500;
const SOURCE_PROMPT_CHARS = 12_000;
// Several examples per request cut the number of calls; few enough that small models keep the ids straight.
const DEFAULT_EXAMPLES_PER_CALL = 5;
const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_MAX_RETRIES = 3;

const CODE_SYSTEM =
  'You name and summarise code examples from documentation so that developers and AI agents can find them. ' +
  'For each example give an action-oriented name of 2 to 6 words (for example "Create a webhook endpoint") and a summary ' +
  'of one to three sentences saying what the code does and when to use it. ' +
  'Reply with JSON only: {"examples": [{"id": 0, "name": "…", "summary": "…"}]}, one object per example, with the ids given.';
const SOURCE_SYSTEM =
  'You summarise a documentation source for a knowledge base. In three to five sentences (under 500 characters) say what ' +
  'the library, tool, product or document is and what its pages cover. Reply with JSON only: {"summary": "…"}.';

const codeItem = z.object({ id: z.coerce.number().int().nonnegative(), name: z.string().trim().min(1), summary: z.string().trim().min(1) });
const codeReply = z.object({ examples: z.array(z.unknown()) });
const sourceReply = z.object({ summary: z.string().trim().min(1) });

/** The JSON object in a reply; models wrapping it in a ```json fence or a sentence still count. */
function jsonObject(text: string): unknown {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start < 0 || end <= start) return null;
  try {
    return JSON.parse(text.slice(start, end + 1));
  } catch {
    return null;
  }
}

function boundName(name: string): string {
  const flat = name
    .replace(/\s+/g, ' ')
    .replace(/^["'`]+|["'`.]+$/g, '')
    .trim();
  if (flat.length <= NAME_CHARS) return flat;
  const cut = flat.slice(0, NAME_CHARS - 1);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), NAME_CHARS / 2))}…`;
}

export type OpenAISummarizerOptions = {
  baseURL: string;
  apiKey?: string;
  model: string;
  /** Requests in flight at once. */
  concurrency: number;
  examplesPerCall?: number;
  /** Per attempt. */
  timeoutMs?: number;
  /** Retries after the first attempt, on 408/409/429/5xx and connection errors (done by the SDK, honouring retry-after). */
  maxRetries?: number;
  logger?: Logger;
};

export function createOpenAISummarizer(opts: OpenAISummarizerOptions): Summarizer {
  const client = new OpenAI({
    baseURL: opts.baseURL,
    apiKey: opts.apiKey ?? 'not-needed',
    timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    maxRetries: opts.maxRetries ?? DEFAULT_MAX_RETRIES,
    fetch: capRetryAfter(),
    // Otherwise OPENAI_ORG_ID / OPENAI_PROJECT_ID from the environment would be sent to any provider.
    organization: null,
    project: null,
  });
  const perCall = Math.max(1, opts.examplesPerCall ?? DEFAULT_EXAMPLES_PER_CALL);

  const ask = async (system: string, user: string, signal?: AbortSignal): Promise<unknown> => {
    const res = await client.chat.completions.create(
      {
        model: opts.model,
        temperature: 0.2,
        response_format: { type: 'json_object' },
        messages: [
          { role: 'system', content: system },
          { role: 'user', content: user },
        ],
      },
      { signal },
    );
    return jsonObject(res.choices[0]?.message?.content ?? '');
  };

  const describe = async (group: CodeToSummarize[], signal?: AbortSignal): Promise<(CodeSummary | null)[]> => {
    const user = group
      .map((e, id) => `EXAMPLE id ${id} (language: ${e.language || 'unknown'})\n${e.context}\nCode:\n${e.code.slice(0, CODE_PROMPT_CHARS)}`)
      .join('\n\n');
    const reply = codeReply.safeParse(await ask(CODE_SYSTEM, user, signal));
    const out: (CodeSummary | null)[] = group.map(() => null);
    if (!reply.success) return out;
    // Validated one by one: a single malformed entry should not void the others.
    for (const raw of reply.data.examples) {
      const item = codeItem.safeParse(raw);
      if (!item.success || item.data.id >= group.length || out[item.data.id]) continue;
      const name = boundName(item.data.name);
      if (name) out[item.data.id] = { name, summary: trimToSentences(item.data.summary, CODE_SUMMARY_CHARS) };
    }
    return out;
  };

  const warn = (what: string, err: unknown, extra: Record<string, unknown> = {}) =>
    opts.logger?.warn(`${what} failed; keeping the deterministic text`, {
      model: opts.model,
      error: (err as Error)?.message ?? String(err),
      ...extra,
    });

  return {
    model: opts.model,
    async summarizeCode(examples, { signal } = {}) {
      const groups: CodeToSummarize[][] = [];
      for (let i = 0; i < examples.length; i += perCall) groups.push(examples.slice(i, i + perCall));
      let failed = 0;
      let firstError: unknown;
      const results = await mapLimit(groups, Math.max(1, opts.concurrency), async (group) => {
        try {
          return await describe(group, signal);
        } catch (err) {
          if (signal?.aborted) throw signal.reason;
          failed += 1;
          firstError ??= err;
          return group.map(() => null);
        }
      });
      // One line per call of this method, not per request: a provider that is down fails every request.
      if (failed) warn('summarising code examples', firstError, { requests: groups.length, failedRequests: failed });
      return results.flat();
    },
    async summarizeSource(title, text, { signal } = {}) {
      try {
        const reply = sourceReply.safeParse(await ask(SOURCE_SYSTEM, `Title: ${title}\n\n${text.slice(0, SOURCE_PROMPT_CHARS)}`, signal));
        return reply.success ? trimToSentences(reply.data.summary, SOURCE_SUMMARY_CHARS) : null;
      } catch (err) {
        if (signal?.aborted) throw signal.reason;
        warn('summarising a source', err, { title });
        return null;
      }
    },
  };
}

/** The chat settings, as the configuration names them. */
export type SummarizerConfig = {
  CHAT_BASE_URL?: string;
  CHAT_API_KEY?: string;
  CHAT_MODEL?: string;
  CONTEXTUAL_CONCURRENCY: number;
};

/**
 * The chat-model summarizer when a chat model is configured (CHAT_MODEL, and
 * CHAT_BASE_URL or an API key for OpenAI itself), else null: names and
 * summaries then stay deterministic.
 */
export function createSummarizer(config: SummarizerConfig, deps: { logger?: Logger } = {}): Summarizer | null {
  const apiKey = config.CHAT_API_KEY;
  const baseURL = config.CHAT_BASE_URL ?? (apiKey ? 'https://api.openai.com/v1' : undefined);
  if (!baseURL || !config.CHAT_MODEL) return null;
  return createOpenAISummarizer({ baseURL, apiKey, model: config.CHAT_MODEL, concurrency: config.CONTEXTUAL_CONCURRENCY, logger: deps.logger });
}
