import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptInvitation, inviteUser, setUserRole } from '../../server/services/auth/accounts';
import { createApiKey, revokeApiKey } from '../../server/services/auth/api-keys';
import { createKeys, textOf } from '../helpers/mcp';
import { stdioClients } from '../helpers/mcp-stdio';
import { createTestRuntime, jobSettled, type TestRuntime } from '../helpers/runtime';
import { startTrpcHost } from '../helpers/trpc-host';

// `archon mcp` against a remote Archon (tRPC over HTTP) next to `archon mcp` on the local database, as the same key:
// the same tool call must be allowed, refused and answered alike.

let rt: TestRuntime;
let ownerId: string;
let trpcHost: { url: string; close(): Promise<void> };
const stdio = stdioClients(() => ({ rt, url: trpcHost.url }));

const upload = async (name: string, markdown: string) => {
  const job = await rt.caller.knowledge.upload({ files: [{ name, contentBase64: Buffer.from(markdown).toString('base64') }] });
  return (await jobSettled(rt, job.id, 60_000)).sourceId!;
};

beforeAll(async () => {
  rt = await createTestRuntime({ runner: true });
  // The owner, whose account invites the admin below.
  ownerId = (await createKeys(rt.database.db)).owner.id;
  trpcHost = await startTrpcHost(rt);
}, 120_000);

afterAll(async () => {
  await stdio.closeAll();
  await trpcHost?.close();
  await rt?.close();
});

describe('archon mcp remotely, as a key whose user lost the admin role', () => {
  it('refuses rag_delete_source (admin only) as the local mode does, and deletes nothing', async () => {
    const { token } = await inviteUser(rt.database.db, { email: 'demoted-admin@mcp.test', role: 'admin' }, null);
    const admin = await acceptInvitation(rt.database.db, { token, password: 'a long enough password 1' });
    const { key } = await createApiKey(rt.database.db, admin.id, { name: 'admin key', scopes: ['admin'] });
    const local = await stdio.local(key);
    const remote = await stdio.remote(key);
    const keepLocal = await upload('keep-local.md', '# Keep local\n\nThis source must survive.');
    const keepRemote = await upload('keep-remote.md', '# Keep remote\n\nThis source must survive too.');

    // The owner demotes them: their key may now read and write, not administer.
    await setUserRole(rt.database.db, admin.id, 'member');
    const localAnswer = await local.callTool({ name: 'rag_delete_source', arguments: { source_id: keepLocal } });
    expect(localAnswer.isError).toBe(true);
    expect(textOf(localAnswer)).toMatch(/needs admin access/);

    const remoteAnswer = await remote.callTool({ name: 'rag_delete_source', arguments: { source_id: keepRemote } });
    expect({ isError: remoteAnswer.isError, text: textOf(remoteAnswer) }).toEqual({ isError: true, text: textOf(localAnswer) });
    expect((await rt.caller.knowledge.source({ id: keepRemote })).id).toBe(keepRemote);
  });
});

describe('archon mcp remotely, once its key is revoked', () => {
  it('says ARCHON_API_KEY no longer works, as the local mode does, not "Sign in, or send an API key"', async () => {
    const texts: Record<string, string> = {};
    for (const mode of ['local', 'remote'] as const) {
      const { key, apiKey } = await createApiKey(rt.database.db, ownerId, { name: `soon revoked (${mode})`, scopes: ['write'] });
      const client = mode === 'local' ? await stdio.local(key) : await stdio.remote(key);
      await revokeApiKey(rt.database.db, apiKey.id);
      const answer = await client.callTool({ name: 'find_projects', arguments: {} });
      expect(answer.isError, mode).toBe(true);
      texts[mode] = textOf(answer);
      // health_check too: the server's health is public, but the tool reports what this connection can do.
      const health = await client.callTool({ name: 'health_check', arguments: {} });
      expect({ mode, isError: health.isError, text: textOf(health).slice(0, 40) }).toMatchObject({
        mode,
        isError: true,
        text: expect.stringMatching(/^ARCHON_API_KEY no longer works/),
      });
    }
    expect(texts.local).toMatch(
      /^ARCHON_API_KEY no longer works: it was revoked or has expired, or its user was disabled\. Restart archon mcp with a valid key/,
    );
    expect(texts.remote).toMatch(
      /^ARCHON_API_KEY no longer works( at http:\/\/127\.0\.0\.1:\d+)?: it was revoked or has expired, or its user was disabled\. Restart archon mcp with a valid key/,
    );
  });
});
