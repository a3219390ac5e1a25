import http from 'node:http';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeEmbedding } from '../../server/services/archive/format';
import { createServerDatabase, testDbKind } from '../helpers/db';
import { AUTH_HEADERS, type ServerProcess, startServerProcess } from '../helpers/server-process';
import { createArchonClient } from '../helpers/trpc-client';

let server: ServerProcess;
let dropDb: (() => Promise<void>) | undefined;

beforeAll(async () => {
  const env: Record<string, string> = { EMBEDDING_DIMENSIONS: '8' };
  if (testDbKind() === 'postgres') {
    const db = await createServerDatabase();
    env.DATABASE_URL = db.url;
    dropDb = db.drop;
  }
  server = await startServerProcess(env);
});

afterAll(async () => {
  await server?.stop();
  await dropDb?.();
});

const SOURCE_ID = 'e2e-archive-source';
// The server's offline embedder (no API key configured) at the dimension set above.
const VECTOR = [0.125, -0.5, 0.333333343267, 0.1, 0, 0.7, -0.0001, 0.25];

const ARCHIVE_LINES = [
  {
    format: 'archon-source',
    version: 1,
    exportedAt: '2026-01-02T03:04:05.000Z',
    archon: '0.0.1',
    embedding: { model: 'archon-hash-v2', dimensions: 8 },
  },
  {
    type: 'source',
    id: SOURCE_ID,
    kind: 'url',
    url: 'https://docs.example.com/',
    title: 'Quokka handbook',
    titleEdited: false,
    summary: null,
    summaryEdited: false,
    knowledgeType: 'technical',
    tags: ['e2e'],
    crawlOptions: { mode: 'recursive' },
    refreshInterval: 'off',
    lastCrawledAt: '2026-01-01T00:00:00.000Z',
  },
  {
    type: 'page',
    url: 'https://docs.example.com/feeding',
    title: 'Feeding',
    content: '# Feeding\n\nQuokkas graze on grasses at dusk.',
    contentHash: 'h1',
    charCount: 42,
    wordCount: 7,
    chunkCount: 1,
    etag: null,
    lastModified: null,
    metadata: {},
    fetchedAt: '2026-01-01T00:00:00.000Z',
  },
  {
    type: 'chunk',
    chunkIndex: 0,
    title: 'Feeding',
    headingPath: ['Feeding'],
    content: 'Quokkas graze on grasses at dusk.',
    context: null,
    charCount: 33,
    contentHash: 'c1',
    embedding: encodeEmbedding(VECTOR),
  },
  {
    type: 'page',
    url: 'https://docs.example.com/setup',
    title: 'Setup',
    content: '# Setup\n\nInstall the enclosure kit.',
    contentHash: 'h2',
    charCount: 35,
    wordCount: 6,
    chunkCount: 1,
    etag: 'W/"1"',
    lastModified: null,
    metadata: { lang: 'en' },
    fetchedAt: null,
  },
  {
    type: 'chunk',
    chunkIndex: 0,
    title: 'Setup',
    headingPath: ['Setup'],
    content: 'Install the enclosure kit.',
    context: null,
    charCount: 26,
    contentHash: 'c2',
  },
  {
    type: 'code',
    exampleIndex: 0,
    language: 'bash',
    name: 'Install the kit',
    summary: 'Installs the enclosure kit.',
    code: 'npm install quokka-kit',
    headingPath: ['Setup'],
    contentHash: 'e1',
  },
  { type: 'end', pages: 2, chunks: 2, codeExamples: 1 },
].map((l) => JSON.stringify(l));
const ARCHIVE = gzipSync(`${ARCHIVE_LINES.join('\n')}\n`);

const importUrl = (onConflict?: string) => `${server.url}/api/sources/import${onConflict ? `?onConflict=${onConflict}` : ''}`;
const postRaw = (body: Uint8Array, onConflict?: string) =>
  fetch(importUrl(onConflict), {
    method: 'POST',
    headers: { ...AUTH_HEADERS, 'content-type': 'application/gzip' },
    body: new Blob([new Uint8Array(body)]),
  });

async function sourceIds(): Promise<string[]> {
  const { client, wsClient } = createArchonClient(server.url);
  try {
    return (await client.knowledge.sources.query({})).items.map((s) => s.id).sort();
  } finally {
    await wsClient.close();
  }
}

describe('archive routes on the real server', () => {
  it('imports a raw gzip body and makes the source searchable', async () => {
    const res = await postRaw(ARCHIVE);
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({
      sourceId: SOURCE_ID,
      copied: false,
      pages: 2,
      chunks: 2,
      codeExamples: 1,
      embeddingsKept: 1,
      embeddingsDropped: 0,
      embeddingsMissing: 2,
    });
    const { client, wsClient } = createArchonClient(server.url);
    try {
      const found = await client.knowledge.search.query({ query: 'quokkas graze', mode: 'fulltext' });
      expect(found.results.map((r) => r.url)).toEqual(['https://docs.example.com/feeding']);
      // Imported with the owner's key: the owner is its creator.
      expect((await client.knowledge.source.query({ id: SOURCE_ID })).createdBy).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      await wsClient.close();
    }
  });

  it('exports it back as the same archive, vectors bit for bit, as a gzip download', async () => {
    const res = await fetch(`${server.url}/api/sources/${SOURCE_ID}/export`, { headers: AUTH_HEADERS });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/gzip');
    expect(res.headers.get('content-disposition')).toContain(`attachment; filename="${SOURCE_ID}.archon.jsonl.gz"`);
    const lines = gunzipSync(Buffer.from(await res.arrayBuffer()))
      .toString('utf8')
      .trimEnd()
      .split('\n');
    const header = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(header).toMatchObject({ format: 'archon-source', version: 1, embedding: { model: 'archon-hash-v2', dimensions: 8 } });
    expect(header.archon).toMatch(/^\d+\.\d+\.\d+/);
    expect(lines.slice(1)).toEqual(ARCHIVE_LINES.slice(1));

    const plain = await fetch(`${server.url}/api/sources/${SOURCE_ID}/export?embeddings=0`, { headers: AUTH_HEADERS });
    const plainLines = gunzipSync(Buffer.from(await plain.arrayBuffer())).toString('utf8');
    expect(plainLines).not.toContain('"embedding":"');
    expect(JSON.parse(plainLines.split('\n')[0]!)).toMatchObject({ embedding: null });
  });

  it('answers an existing source with 409 by default and imports a multipart upload beside it with onConflict=copy', async () => {
    const conflict = await postRaw(ARCHIVE);
    expect(conflict.status).toBe(409);
    expect(await conflict.json()).toMatchObject({ error: { code: 'CONFLICT', message: expect.stringContaining('already exists') } });

    const form = new FormData();
    form.append('note', 'a field before the file');
    form.append('file', new Blob([ARCHIVE], { type: 'application/gzip' }), 'archive.archon.jsonl.gz');
    const res = await fetch(importUrl('copy'), { method: 'POST', headers: AUTH_HEADERS, body: form });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ sourceId: `${SOURCE_ID}-copy-1`, copied: true, pages: 2, codeExamples: 1 });
    expect(await sourceIds()).toEqual([SOURCE_ID, `${SOURCE_ID}-copy-1`]);
  });

  it('rejects a multipart body without the file field', async () => {
    const form = new FormData();
    form.append('archive', new Blob([ARCHIVE]), 'a.gz');
    const res = await fetch(importUrl('copy'), { method: 'POST', headers: AUTH_HEADERS, body: form });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'BAD_REQUEST', message: 'The multipart body has no "file" field' } });
  });

  it('rejects a truncated archive with 400 and imports nothing', async () => {
    const res = await postRaw(ARCHIVE.subarray(0, ARCHIVE.length - 20), 'copy');
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'BAD_REQUEST', message: expect.stringMatching(/truncated/) } });
    expect(await sourceIds()).toEqual([SOURCE_ID, `${SOURCE_ID}-copy-1`]);
  });

  it('validates query parameters and answers an unknown source with 404', async () => {
    expect((await postRaw(ARCHIVE, 'overwrite')).status).toBe(400);
    const bad = await fetch(`${server.url}/api/sources/${SOURCE_ID}/export?embeddings=maybe`, { headers: AUTH_HEADERS });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 'BAD_REQUEST', message: expect.stringContaining('embeddings') } });
    const missing = await fetch(`${server.url}/api/sources/no-such-source/export`, { headers: AUTH_HEADERS });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });

  it('refuses a body declared larger than the limit before reading it', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        importUrl(),
        { method: 'POST', headers: { ...AUTH_HEADERS, 'content-type': 'application/gzip', 'content-length': String(3 * 1024 ** 3) } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
          req.destroy();
        },
      );
      req.on('error', reject);
      // Send a little of the declared body, then wait for the early answer.
      req.write(ARCHIVE);
    });
    expect(status).toBe(413);
  });
});
