import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePdf, PNG_BYTES } from '../fixtures/sample-files';
import { createServerDatabase, testDbKind } from '../helpers/db';
import { AUTH_HEADERS, type ServerProcess, startServerProcess } from '../helpers/server-process';
import { createArchonClient } from '../helpers/trpc-client';
import { waitFor } from '../helpers/wait';

/**
 * Uploading through the multipart route of the real server, with the job's
 * progress followed over the WebSocket subscription as a dashboard would.
 */
let server: ServerProcess;
let dropDb: (() => Promise<void>) | undefined;
let archon: ReturnType<typeof createArchonClient>;

// The server's own temporary directory, to see that spooled upload files are removed.
const serverTmp = fs.mkdtempSync(path.join(os.tmpdir(), 'archon-upload-tmp-'));
const spooled = () => fs.readdirSync(serverTmp).filter((f) => f.startsWith('archon-form-'));

beforeAll(async () => {
  const env: Record<string, string> = {
    EMBEDDING_DIMENSIONS: '64',
    UPLOAD_MAX_FILE_BYTES: '100000',
    UPLOAD_MAX_FILES: '3',
    LOG_LEVEL: 'warn',
    TMPDIR: serverTmp,
  };
  if (testDbKind() === 'postgres') {
    const db = await createServerDatabase();
    env.DATABASE_URL = db.url;
    dropDb = db.drop;
  }
  server = await startServerProcess(env);
  archon = createArchonClient(server.url);
});
afterAll(async () => {
  await archon?.wsClient.close();
  await server?.stop('SIGKILL');
  await dropDb?.();
  fs.rmSync(serverTmp, { recursive: true, force: true });
});

const form = (files: [string, string | Buffer][], fields: Record<string, string> = {}) => {
  const body = new FormData();
  for (const [name, content] of files) body.append('file', new Blob([typeof content === 'string' ? content : new Uint8Array(content)]), name);
  for (const [k, v] of Object.entries(fields)) body.append(k, v);
  return body;
};

describe('POST /api/uploads', () => {
  it('accepts files, answers 202 with the job, and streams its progress to the end', async () => {
    const pdf = await makePdf([{ heading: 'Ratchet guide', lines: ['Ratchets click forward and lock backward.'] }]);
    const res = await fetch(`${server.url}/api/uploads`, {
      method: 'POST',
      headers: AUTH_HEADERS,
      body: form(
        [
          ['ratchet.pdf', pdf],
          ['pawl.md', '# Pawl\n\nThe pawl engages the ratchet teeth.'],
        ],
        { title: 'Ratchets', tags: 'tools, mechanics', knowledgeType: 'technical' },
      ),
    });
    expect(res.status).toBe(202);
    const job = await res.json();
    expect(job).toMatchObject({ kind: 'upload', pagesDiscovered: 2 });
    // Started with the owner's key, so the owner started it.
    expect(job.createdBy).toMatch(/^[0-9a-f-]{36}$/);

    const statuses: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no end of job; saw ${statuses.join(',')}`)), 30_000);
      const sub = archon.client.jobs.onProgress.subscribe(
        { jobId: job.id },
        {
          onData: ({ data }) => {
            if (data.kind === 'status') statuses.push(String(data.payload.status));
            if (['completed', 'failed', 'cancelled'].includes(String(data.payload.status))) {
              clearTimeout(timer);
              sub.unsubscribe();
              resolve();
            }
          },
          onError: reject,
        },
      );
    });
    expect(statuses).toEqual(expect.arrayContaining(['queued', 'running', 'completed']));
    const source = await archon.client.knowledge.source.query({ id: job.sourceId });
    expect(source).toMatchObject({ title: 'Ratchets', tags: ['tools', 'mechanics'], pageCount: 2 });
    const hits = await archon.client.knowledge.search.query({ query: 'ratchets click forward', sourceIds: [job.sourceId] });
    expect(hits.results[0]?.url).toMatch(/^file:\/\/ratchet\.pdf/);
  });

  it('answers bad requests with a JSON error naming the problem', async () => {
    const notMultipart = await fetch(`${server.url}/api/uploads`, {
      method: 'POST',
      headers: { ...AUTH_HEADERS, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(notMultipart.status).toBe(400);
    expect((await notMultipart.json()).error.message).toMatch(/multipart\/form-data/);

    const noFiles = await fetch(`${server.url}/api/uploads`, { method: 'POST', headers: AUTH_HEADERS, body: form([], { title: 'x' }) });
    expect(noFiles.status).toBe(400);
    expect((await noFiles.json()).error.message).toMatch(/at least one file/);

    const tooMany = await fetch(`${server.url}/api/uploads`, {
      method: 'POST',
      headers: AUTH_HEADERS,
      body: form([
        ['a.md', '# A'],
        ['b.md', '# B'],
        ['c.md', '# C'],
        ['d.md', '# D'],
      ]),
    });
    expect(tooMany.status).toBe(400);
    expect((await tooMany.json()).error.message).toMatch(/at most 3 files/);

    const badType = await fetch(`${server.url}/api/uploads`, {
      method: 'POST',
      headers: AUTH_HEADERS,
      body: form([['a.md', '# A\n\nText.']], { knowledgeType: 'fiction' }),
    });
    expect(badType.status).toBe(400);
    expect((await badType.json()).error.message).toMatch(/knowledgeType/);

    const huge = await fetch(`${server.url}/api/uploads`, {
      method: 'POST',
      headers: AUTH_HEADERS,
      body: form([['big.txt', Buffer.alloc(1_500_000, 'a')]]),
    });
    expect(huge.status).toBe(413);
    expect((await huge.json()).error.code).toBe('PAYLOAD_TOO_LARGE');

    const textAsFile = new FormData();
    textAsFile.append('file', 'just text');
    const notAFile = await fetch(`${server.url}/api/uploads`, { method: 'POST', headers: AUTH_HEADERS, body: textAsFile });
    expect(notAFile.status).toBe(400);
    expect((await notAFile.json()).error.message).toBe('file: must be a file, not a text field');

    const longTitle = await fetch(`${server.url}/api/uploads`, {
      method: 'POST',
      headers: AUTH_HEADERS,
      body: form([['a.md', '# A\n\nText.']], { title: 't'.repeat(70_000) }),
    });
    expect(longTitle.status).toBe(400);
    expect((await longTitle.json()).error.message).toMatch(/^title: longer than 65536 bytes/);

    const cut = await fetch(`${server.url}/api/uploads`, {
      method: 'POST',
      headers: { ...AUTH_HEADERS, 'content-type': 'multipart/form-data; boundary=cut' },
      body: '--cut\r\nContent-Disposition: form-data; name="file"; filename="a.md"\r\n\r\n# A\n\nno end',
    });
    expect(cut.status).toBe(400);
    expect((await cut.json()).error.message).toMatch(/incomplete/);
    // Every refused upload took its spooled files with it.
    expect(spooled()).toEqual([]);
  });

  it("refuses text fields that together pass 1 MiB: they are held in memory, and the files' allowance must not become theirs", async () => {
    // Each field is under the per-field bound and the body under the upload's (3 files of 100 kB + 1 MiB), but only files are spooled to disk.
    const junk: Record<string, string> = {};
    for (let i = 0; i < 20; i++) junk[`note${i}`] = 'n'.repeat(60_000);
    const res = await fetch(`${server.url}/api/uploads`, { method: 'POST', headers: AUTH_HEADERS, body: form([['a.md', '# A\n\nText.']], junk) });
    expect(res.status).toBe(413);
    expect((await res.json()).error.message).toMatch(/text fields .*1048576 bytes/);
    expect(spooled()).toEqual([]);
  });

  it('records a file over the per-file limit as rejected and stores the others, leaving nothing spooled', async () => {
    const res = await fetch(`${server.url}/api/uploads`, {
      method: 'POST',
      headers: AUTH_HEADERS,
      body: form([
        ['too-big.txt', Buffer.alloc(150_000, 'b')],
        ['fine.md', '# Fine\n\nThis one fits.'],
      ]),
    });
    expect(res.status).toBe(202);
    const job = await res.json();
    expect(job.input.files).toEqual([
      { name: 'too-big.txt', size: 150_000 },
      { name: 'fine.md', size: Buffer.byteLength('# Fine\n\nThis one fits.') },
    ]);
    expect(job.pagesFailed).toBe(1);
    expect(spooled()).toEqual([]);
    const done = await waitFor(
      async () => {
        const j = await archon.client.jobs.get.query({ id: job.id });
        return ['completed', 'failed', 'cancelled'].includes(j.status) ? j : null;
      },
      30_000,
      'the upload job',
    );
    expect(done).toMatchObject({ status: 'completed', pagesFailed: 1 });
    expect((await archon.client.knowledge.source.query({ id: job.sourceId })).pageCount).toBe(1);
  });

  it('refuses a bad file name for its own file (NUL, control character, "..", too long) while the good files complete', async () => {
    const bad = ['a\u0000b.md', 'a\u0001b.md', '..', `${'n'.repeat(300)}.md`];
    for (const name of bad) {
      const res = await fetch(`${server.url}/api/uploads`, {
        method: 'POST',
        headers: AUTH_HEADERS,
        body: form([
          [name, '# Bad\n\nNever stored.'],
          ['../dir/good.md', '# Good\n\nStored as dir/good.md, never above its folder.'],
        ]),
      });
      expect(res.status, JSON.stringify(name.slice(0, 10))).toBe(202);
      const job = await res.json();
      expect(job.pagesFailed).toBe(1);
      const done = await waitFor(
        async () => {
          const j = await archon.client.jobs.get.query({ id: job.id });
          return ['completed', 'failed', 'cancelled'].includes(j.status) ? j : null;
        },
        30_000,
        'the upload job',
      );
      expect(done).toMatchObject({
        status: 'completed',
        pagesFetched: 1,
        pagesFailed: 1,
        error: expect.stringContaining(`file name ${JSON.stringify(name.slice(0, 100))}`),
      });
      const hits = await archon.client.knowledge.search.query({ query: 'stored as good', sourceIds: [job.sourceId] });
      expect(hits.results[0]?.url).toMatch(/^file:\/\/dir\/good\.md/);
    }
    expect(spooled()).toEqual([]);
  });

  it('names what a mislabelled binary file is (file-type, loaded in the route bundle)', async () => {
    const res = await fetch(`${server.url}/api/uploads`, { method: 'POST', headers: AUTH_HEADERS, body: form([['photo.md', PNG_BYTES]]) });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ status: 'failed', error: 'photo.md is not a Markdown file: its content looks like a PNG image' });
  });
});
