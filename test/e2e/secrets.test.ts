import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeOpenAI, startFakeOpenAI } from '../fixtures/fake-openai';
import { createServerDatabase, testDbKind } from '../helpers/db';
import { AUTH_HEADERS, type ServerProcess, startServerProcess } from '../helpers/server-process';
import { createArchonClient } from '../helpers/trpc-client';
import { waitFor } from '../helpers/wait';

/**
 * Provider keys saved in the dashboard are used for provider calls and appear
 * nowhere else: not in any API response, not in the server's log (at debug
 * level), not in pages, not in the database in clear. Changing the embedding
 * model through settings starts re-embedding.
 */
const CANARY = `sk-canary-${randomBytes(12).toString('hex')}`;
const CHAT_CANARY = `sk-chat-canary-${randomBytes(12).toString('hex')}`;

let server: ServerProcess;
let fake: FakeOpenAI;
let dbUrl: string | undefined;
let dropDb: (() => Promise<void>) | undefined;
let archon: ReturnType<typeof createArchonClient>;
const bodies: string[] = [];

beforeAll(async () => {
  fake = await startFakeOpenAI({ dimensions: 1536 });
  const env: Record<string, string> = { EMBEDDING_DIMENSIONS: '64', LOG_LEVEL: 'debug' };
  if (testDbKind() === 'postgres') {
    const db = await createServerDatabase();
    dbUrl = db.url;
    env.DATABASE_URL = db.url;
    env.ARCHON_SECRET = randomBytes(32).toString('base64url');
    dropDb = db.drop;
  }
  server = await startServerProcess(env);
  archon = createArchonClient(server.url);
});
afterAll(async () => {
  await archon?.wsClient.close();
  await server?.stop('SIGKILL');
  await fake?.close();
  await dropDb?.();
});

async function fetchText(url: string, init?: RequestInit) {
  const text = await (await fetch(url, init)).text();
  bodies.push(text);
  return text;
}

describe('stored provider keys', () => {
  it('are used for provider calls, shown only masked, and never appear in responses, logs or pages', async () => {
    const saved = await archon.client.settings.updateProviders.mutate({
      embedding: { baseUrl: fake.url, model: 'text-embedding-3-small', apiKey: CANARY },
      chat: { baseUrl: fake.url, model: 'gpt-fake', apiKey: CHAT_CANARY },
    });
    bodies.push(JSON.stringify(saved));
    expect(saved.embedding.apiKey).toMatchObject({ set: true, masked: expect.stringMatching(/^sk-…/) });
    expect(saved.embedding.active).toEqual({ model: 'text-embedding-3-small', dimensions: 64 });

    // The key reaches the provider, and only the provider.
    const before = fake.requests.length;
    bodies.push(JSON.stringify(await archon.client.knowledge.search.query({ query: 'anything at all' })));
    const sent = fake.requests.slice(before).filter((r) => r.path === '/v1/embeddings');
    expect(sent.length).toBeGreaterThan(0);
    expect(sent[0]!.headers.authorization).toBe(`Bearer ${CANARY}`);

    bodies.push(JSON.stringify(await archon.client.settings.providers.query()));
    bodies.push(JSON.stringify(await archon.client.users.audit.query({})));
    bodies.push(JSON.stringify(await archon.client.auth.status.query()));
    await fetchText(`${server.url}/`);
    await fetchText(`${server.url}/api/health`);
    await fetchText(`${server.url}/api/trpc/settings.providers`, { headers: AUTH_HEADERS });
    // A bad update is refused without echoing the key it carried.
    await fetchText(`${server.url}/api/trpc/settings.updateProviders`, {
      method: 'POST',
      headers: { ...AUTH_HEADERS, 'content-type': 'application/json' },
      body: JSON.stringify({ json: { embedding: { baseUrl: 'ftp://nope', apiKey: CANARY } } }),
    });

    for (const body of bodies) {
      expect(body).not.toContain(CANARY);
      expect(body).not.toContain(CHAT_CANARY);
    }
    expect(server.output()).not.toContain(CANARY);
    expect(server.output()).not.toContain(CHAT_CANARY);

    // At rest: only ciphertext, different for the two rows.
    const rows = dbUrl
      ? await (async () => {
          const sql = postgres(dbUrl!, { max: 1, onnotice: () => {} });
          try {
            return await sql<{ key: string; secret: string }[]>`select key, secret from settings`;
          } finally {
            await sql.end();
          }
        })()
      : null;
    if (rows) {
      expect(rows.map((r) => r.key).sort()).toEqual(['provider.chat', 'provider.embedding']);
      for (const r of rows) expect(r.secret).not.toContain('canary');
    } else {
      // Embedded: the database files and the generated secret's permissions.
      const secretFile = path.join(server.dataDir, 'archon-secret');
      expect(fs.statSync(secretFile).mode & 0o077).toBe(0);
    }
  });

  it('start re-embedding when the embedding dimension changes, and keep search answering meanwhile', async () => {
    const finished = (id: string) =>
      waitFor(
        async () => {
          const j = await archon.client.jobs.get.query({ id });
          return ['completed', 'failed', 'cancelled'].includes(j.status) ? j : null;
        },
        60_000,
        `job ${id}`,
      );
    const upload = await archon.client.knowledge.upload.mutate({
      files: [{ name: 'gears.md', contentBase64: Buffer.from('# Gears\n\nGears mesh when their pitch matches.\n').toString('base64') }],
    });
    expect((await finished(upload.id)).status).toBe('completed');

    const changed = await archon.client.settings.updateProviders.mutate({ embedding: { dimensions: 32 } });
    expect(changed.embedding.active).toEqual({ model: 'text-embedding-3-small', dimensions: 32 });
    expect(changed.reembedJob).toMatchObject({ kind: 'reembed' });
    const hits = await archon.client.knowledge.search.query({ query: 'gears pitch' });
    expect(hits.results[0]?.url).toMatch(/^file:\/\/gears\.md/);
    expect((await finished(changed.reembedJob!.id)).status).toBe('completed');
    expect(await archon.client.knowledge.embeddingStatus.query()).toMatchObject({ dimensions: 32, stale: { chunks: 0, codeExamples: 0 } });
    const audit = await archon.client.users.audit.query({ action: 'settings.changed' });
    expect(audit.items[0]!.details).toMatchObject({ fields: ['embedding.dimensions'], reembedJobId: changed.reembedJob!.id });
  });
});
