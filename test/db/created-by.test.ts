import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCaller } from '../../server/routers/_app';
import { setupOwner } from '../../server/services/auth/accounts';
import type { Principal } from '../../server/services/auth/principal';
import { createContextInner } from '../../server/trpc/context';
import { type LoopbackSite, serveLoopback } from '../helpers/loopback-site';
import { createTestRuntime, jobSettled, type TestRuntime } from '../helpers/runtime';

/** Jobs and sources record who started them, so an operator can tell whose crawl is running. */
let rt: TestRuntime;
let site: LoopbackSite;
let user: Principal;

beforeAll(async () => {
  site = await serveLoopback((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<html><head><title>Doc</title></head><body><main><h1>Doc</h1><p>Some words about a documented thing.</p></main></body></html>');
  });
  rt = await createTestRuntime({ runner: true, env: { CRAWL_ALLOWED_HOSTS: site.host, EMBEDDING_DIMENSIONS: '64' } });
  const owner = await setupOwner(rt.database.db, { email: 'owner@example.com', password: 'the owner pass phrase' });
  user = { kind: 'session', userId: owner.id, email: owner.email, role: 'owner', capabilities: ['read', 'write', 'admin'] };
});
afterAll(async () => {
  await rt?.close();
  await site?.close();
});

describe('who started it', () => {
  it('is recorded on the job and the new source for crawls, refreshes, uploads and re-embedding', async () => {
    const caller = createCaller(createContextInner({ runtime: rt, principal: user }));
    const crawl = await caller.knowledge.crawl({ url: `${site.base}/doc`, mode: 'single' });
    expect(crawl.createdBy).toBe(user.userId);
    await jobSettled(rt, crawl.id);
    expect((await caller.knowledge.source({ id: crawl.sourceId! })).createdBy).toBe(user.userId);
    const refresh = await caller.knowledge.refresh({ id: crawl.sourceId! });
    expect(refresh.createdBy).toBe(user.userId);
    await jobSettled(rt, refresh.id);

    const upload = await caller.knowledge.upload({ files: [{ name: 'note.md', contentBase64: Buffer.from('# Note\n\nText.').toString('base64') }] });
    expect(upload.createdBy).toBe(user.userId);
    expect((await caller.knowledge.source({ id: upload.sourceId! })).createdBy).toBe(user.userId);
    await jobSettled(rt, upload.id);

    const reembed = await caller.knowledge.reembed();
    expect(reembed.createdBy).toBe(user.userId);
    await jobSettled(rt, reembed.id);
    expect((await caller.jobs.get({ id: crawl.id })).createdBy).toBe(user.userId);
  });

  it('is null when the system starts it', async () => {
    const upload = await rt.caller.knowledge.upload({
      files: [{ name: 'system.md', contentBase64: Buffer.from('# System\n\nText.').toString('base64') }],
    });
    expect(upload.createdBy).toBeNull();
    expect((await rt.caller.knowledge.source({ id: upload.sourceId! })).createdBy).toBeNull();
    await jobSettled(rt, upload.id);
  });
});
