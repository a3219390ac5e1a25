import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createLogger } from '../../server/logger';
import type { JobProgress, McpBackend } from '../../server/mcp/backend';
import { codePoints, lastPassageEnd, packPassages, readCut } from '../../server/mcp/budget';
import { describeIssues, errorResult } from '../../server/mcp/errors';
import { progressOf } from '../../server/mcp/progress';
import { ALL_TOOLS, buildMcpServer } from '../../server/mcp/server';
import { hostAllowed } from '../../server/services/auth/authenticate';
import type { ChunkHit } from '../../server/services/search/hits';

/**
 * v1's tools/list in tokens, estimated, since v1 is not at hand to ask:
 * - descriptions: FastMCP sends each tool's docstring as it stands. The seven
 *   in v1's rag_tools.py and task_tools.py (indentation included) average about
 *   1,000 characters; the six other find/manage tools are written alike
 *   (1,000 each), get_project_features, health_check and session_info about
 *   300: 7 × 1,000 + 6 × 1,000 + 3 × 300 ≈ 13,900 characters.
 * - parameters: the 66 of archon-v1.md §5's table, as pydantic's JSON Schema
 *   writes them: a required one (`"query":{"title":"Query","type":"string"}`)
 *   about 41 characters, an optional one (anyOf string|null, default null,
 *   title) about 90, one with a default about 62; 10 required, 45 optional and
 *   11 with defaults make about 5,100.
 * - per tool: name, keys, `"title":"<tool>Arguments"`, type, required: about
 *   150 × 16 = 2,400.
 * About 21,400 characters, at 4 characters a token about 5,350 tokens (not
 * counting the output schema newer FastMCP versions add for `-> str`).
 */
const V1_TOOLS_LIST_TOKENS = 5_350;

const unused = () => {
  throw new Error('not called');
};
const stubBackend = new Proxy({} as McpBackend, { get: () => unused });

async function connect(capabilities: ('read' | 'write' | 'admin')[], backend: McpBackend = stubBackend) {
  const server = buildMcpServer({
    version: 'test',
    principal: { kind: 'api-key', role: 'owner', capabilities },
    backendFor: () => backend,
    requestIdFor: () => 'req-1',
    logger: createLogger('silent'),
    session: { transport: 'stdio', mode: 'local', idleTimeoutSeconds: null },
    startedAt: new Date(),
  });
  const [a, b] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'unit', version: '1' });
  await Promise.all([server.connect(a), client.connect(b)]);
  return client;
}

describe('tools/list', () => {
  it(`costs fewer tokens than v1's (about ${V1_TOOLS_LIST_TOKENS}), with seven tools more`, async () => {
    const client = await connect(['read', 'write', 'admin']);
    const { tools } = await client.listTools();
    expect(tools).toHaveLength(23);
    const tokens = Math.ceil(JSON.stringify(tools).length / 4);
    console.info(
      `tools/list: ${tools.length} tools, ${JSON.stringify(tools).length} characters, about ${tokens} tokens (v1: about ${V1_TOOLS_LIST_TOKENS})`,
    );
    expect(tokens).toBeLessThan(V1_TOOLS_LIST_TOKENS);
  });

  it('sends schemas without what a model does not need, and refuses unknown parameters', async () => {
    const client = await connect(['read', 'write', 'admin']);
    const json = JSON.stringify((await client.listTools()).tools);
    expect(json).not.toContain('"pattern"');
    expect(json).not.toContain('$schema');
    for (const tool of (await client.listTools()).tools) expect(tool.inputSchema).toMatchObject({ type: 'object', additionalProperties: false });
  });

  it('lists by capability: read keys read, write keys do not delete sources', async () => {
    const names = async (caps: ('read' | 'write' | 'admin')[]) => (await (await connect(caps)).listTools()).tools.map((t) => t.name);
    const read = await names(['read']);
    expect(read).toEqual(ALL_TOOLS.filter((t) => t.access === 'read').map((t) => t.name));
    expect(read).not.toContain('manage_project');
    const write = await names(['read', 'write']);
    expect(write).toContain('manage_project');
    expect(write).not.toContain('rag_delete_source');
    // Every tool says what it needs; reading tools are marked read-only for clients that auto-approve.
    for (const tool of ALL_TOOLS) expect(tool.annotations?.readOnlyHint === true).toBe(tool.access === 'read');
  });
});

describe('tool errors', () => {
  it('keeps internal details out of the answer and logs them with the request id', () => {
    const lines: string[] = [];
    const logger = createLogger('error', (l) => {
      lines.push(l);
      return true;
    });
    const result = errorResult(new Error('connection to 10.0.0.5 refused'), { tool: 'find_tasks', requestId: 'req-9', logger });
    expect(result).toEqual({ content: [{ type: 'text', text: 'Internal error (request req-9)' }], isError: true });
    expect(JSON.parse(lines.join(''))).toMatchObject({
      level: 'error',
      msg: 'MCP tool failed',
      tool: 'find_tasks',
      requestId: 'req-9',
      error: { message: 'connection to 10.0.0.5 refused' },
    });
  });

  it('words zod issues by parameter', () => {
    const schema = z.strictObject({
      match_count: z.number().int().max(50),
      query: z.string().min(1, 'must not be empty'),
      tags: z.array(z.string()).max(2),
    });
    const parsed = schema.safeParse({ match_count: 99, tags: ['a', 'b', 'c'], extra: 1 });
    expect(describeIssues(parsed.error!.issues)).toBe(
      'Invalid arguments: match_count: must be at most 50; query: is required (string); tags: must be at most 2 items; extra: is not a parameter of this tool',
    );
    // Service fields are renamed to the tool's parameters.
    expect(
      describeIssues(
        [
          { path: ['limit'], message: 'Too big: expected number to be <=50' },
          { path: ['pageId'], message: 'must be a UUID' },
        ],
        { limit: 'match_count' },
      ),
    ).toBe('Invalid arguments: match_count: must be at most 50; page_id: must be a UUID');
  });

  it('refuses a hidden tool by the access it needs, and answers an unknown one by name', async () => {
    const client = await connect(['read']);
    const hidden = await client.callTool({ name: 'manage_task', arguments: { action: 'delete' } });
    expect(hidden).toMatchObject({ isError: true, content: [{ text: 'This needs write access, which this API key does not have' }] });
    const unknown = await client.callTool({ name: 'manage_tasks', arguments: {} });
    expect(unknown).toMatchObject({ isError: true, content: [{ text: "Unknown tool 'manage_tasks': tools/list names the tools this server has." }] });
  });
});

const hit = (pageId: string, chunkIndex: number, chars: number, score: number): ChunkHit => ({
  chunkId: Number(`${pageId.charCodeAt(0)}${chunkIndex}`),
  chunkIndex,
  content: 'x'.repeat(chars),
  url: `https://d/${pageId}#${chunkIndex}`,
  pageUrl: `https://d/${pageId}`,
  pageId,
  pageTitle: pageId,
  headingPath: [],
  sourceId: 's',
  sourceTitle: 'S',
  score: { fused: score, vectorRank: null, textRank: null, vectorSimilarity: null, textScore: null },
});

describe('token budgets', () => {
  it('takes the best passages that fit, skips the ones that do not, and puts each page back in document order', () => {
    // Ranked best first: a3 (40 tokens), b1 (100), a1 (20), a2 (30).
    const hits = [hit('a', 3, 160, 0.9), hit('b', 1, 400, 0.8), hit('a', 1, 80, 0.7), hit('a', 2, 120, 0.6)];
    const packed = packPassages(hits, { maxTokens: 100 });
    expect(packed.pages.map((p) => [p.pageId, p.passages.map((x) => x.chunkIndex)])).toEqual([['a', [1, 2, 3]]]);
    expect(packed.tokens).toBe(90);
    expect(packed.leftOut).toEqual({ passages: 1, tokens: 100, pages: [{ pageId: 'b', url: 'https://d/b', passages: 1 }] });
  });

  it('bounds the candidates to the best pages or the best passages', () => {
    const hits = [hit('a', 1, 40, 0.9), hit('b', 1, 40, 0.8), hit('a', 2, 40, 0.7), hit('c', 1, 40, 0.6)];
    expect(packPassages(hits, { maxTokens: 1000, maxPages: 2 }).pages.map((p) => p.pageId)).toEqual(['a', 'b']);
    expect(packPassages(hits, { maxTokens: 1000, maxPassages: 2 }).pages.map((p) => p.passages.length)).toEqual([1, 1]);
  });

  it('cuts a page between passages, never inside a code fence', () => {
    const text = '# Title\n\nFirst paragraph.\n\n```js\nconst a = 1;\n\nconst b = 2;\n```\n\nLast para';
    expect(text.slice(0, lastPassageEnd(text))).toBe('# Title\n\nFirst paragraph.\n\n```js\nconst a = 1;\n\nconst b = 2;\n```\n\n');
    const cutInFence = '# Title\n\nFirst paragraph.\n\n```js\nconst a = 1;\n\nconst b';
    expect(cutInFence.slice(0, lastPassageEnd(cutInFence))).toBe('# Title\n\nFirst paragraph.\n\n');
    expect(lastPassageEnd('one long paragraph without a break')).toBe(0);
    expect(codePoints('a😀b')).toBe(3);
  });

  it('cuts a read that began inside a code block after the block and its next whole passage, not in a word', () => {
    // What a read returns after an earlier one cut a long code block: the block's rest, its closing fence, then more.
    const text = 'const value14 = compute(14);\nconst value15 = compute(15);\n```\n\nPara A.\n\n```js\nfirst();\n\nsecond();\nthi';
    const cut = readCut(text);
    expect(cut.whole).toBe('passages');
    expect(text.slice(0, cut.at)).toBe('const value14 = compute(14);\nconst value15 = compute(15);\n```\n\nPara A.\n\n');
    // Read from its start, the same text has a whole passage, which comes first.
    expect(readCut('# T\n\nPara.\n\nmore tex')).toEqual({ at: 12, whole: 'passages' });
    // No passage at all: whole lines; not even a line: nowhere.
    expect(readCut('line one\nline two\nline thr')).toEqual({ at: 18, whole: 'lines' });
    expect(readCut('one long paragraph without a break')).toEqual({ at: 0, whole: null });
  });
});

describe('job progress', () => {
  const job = (over: Partial<JobProgress>): JobProgress => ({
    id: 'j',
    status: 'running',
    pagesDiscovered: 0,
    pagesFetched: 0,
    pagesSkipped: 0,
    pagesFailed: 0,
    chunksStored: 0,
    embeddingsDone: 0,
    embeddingsFailed: 0,
    error: null,
    ...over,
  });

  it('rises with the counters, never passes its total, and ends exactly at it', () => {
    const states = [
      job({ status: 'queued' }),
      job({ pagesDiscovered: 10 }),
      job({ pagesDiscovered: 10, pagesFetched: 2, chunksStored: 8 }),
      job({ pagesDiscovered: 25, pagesFetched: 9, pagesFailed: 1, chunksStored: 40 }),
      job({ pagesDiscovered: 25, pagesFetched: 24, pagesFailed: 1, chunksStored: 101 }),
      job({ status: 'completed', pagesDiscovered: 25, pagesFetched: 24, pagesFailed: 1, chunksStored: 101 }),
    ].map(progressOf);
    for (const [i, p] of states.entries()) {
      expect(p.total).toBeGreaterThanOrEqual(p.progress);
      if (i > 0) expect(p.progress).toBeGreaterThanOrEqual(states[i - 1]!.progress);
    }
    // The end is one more than the last counters, so it always rises to the total.
    expect(states.at(-1)).toEqual({ progress: 127, total: 127, message: 'completed: 25/25 pages, 1 failed, 101 chunks' });
    expect(states.at(-1)!.progress).toBeGreaterThan(states.at(-2)!.progress);
    // Chunks still to come are estimated from the pages done.
    expect(states[2]).toMatchObject({ progress: 10, total: 10 + 40 + 1 });
  });
});

describe('DNS rebinding', () => {
  it('serves IP addresses, localhost and the public name only', () => {
    expect(hostAllowed('127.0.0.1:3737', undefined)).toBe(true);
    expect(hostAllowed('[::1]:3737', undefined)).toBe(true);
    expect(hostAllowed('localhost:3737', undefined)).toBe(true);
    expect(hostAllowed('192.168.1.20', undefined)).toBe(true);
    expect(hostAllowed('attacker.example:3737', undefined)).toBe(false);
    expect(hostAllowed('archon.example.com', 'https://archon.example.com')).toBe(true);
    expect(hostAllowed('archon.example.com.attacker.example', 'https://archon.example.com')).toBe(false);
    expect(hostAllowed(null, undefined)).toBe(false);
  });
});
