import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLocalServer, CliError, connectRemote } from '../../cli/mcp';
import { createRemoteBackend } from '../../cli/remote-backend';
import { dispatch } from '../../inngest/dispatch';
import { acceptInvitation, inviteUser, setUserRole } from '../../server/services/auth/accounts';
import { createApiKey, revokeApiKey } from '../../server/services/auth/api-keys';
import { type DocsSite, startDocsSite } from '../fixtures/docs-site';
import { createKeys, startMcpHost, textOf } from '../helpers/mcp';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';
import { startTrpcHost } from '../helpers/trpc-host';

// `archon mcp` (cli/mcp.ts): locally as an API key, and remotely against a server that goes away.

let rt: TestRuntime;
let site: DocsSite;
let keys: Awaited<ReturnType<typeof createKeys>>;

beforeAll(async () => {
  site = await startDocsSite();
  rt = await createTestRuntime({ runner: true, env: { CRAWL_ALLOWED_HOSTS: site.host } });
  keys = await createKeys(rt.database.db);
});
afterAll(async () => {
  await rt?.close();
  await site?.close();
});

async function localClient(apiKey: string) {
  const server = await buildLocalServer(rt, apiKey, dispatch);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'stdio-test', version: '1' });
  await client.connect(clientSide);
  return client;
}

describe('3. archon mcp locally, as ARCHON_API_KEY', () => {
  it('stops acting as the key once it is revoked, as HTTP does', async () => {
    const { key, id } = await keys.key('write', 'stdio, soon revoked');
    const client = await localClient(key);
    const made = await client.callTool({ name: 'manage_project', arguments: { action: 'create', title: 'Before revoking' } });
    expect(made.isError).toBeFalsy();
    await revokeApiKey(rt.database.db, id);
    const after = await client.callTool({ name: 'manage_project', arguments: { action: 'create', title: 'made with a revoked key' } });
    expect(after.isError).toBe(true);
    expect(textOf(after)).toMatch(/^ARCHON_API_KEY no longer works: it was revoked or has expired/);
    expect((await rt.caller.projects.list({ query: 'revoked key' })).total).toBe(0);
    await client.close();
  });

  it("follows a change of its user's role on the next call", async () => {
    const { token } = await inviteUser(rt.database.db, { email: 'stdio-member@mcp.test', role: 'member' }, null);
    const member = await acceptInvitation(rt.database.db, { token, password: 'a long enough password 1' });
    const { key } = await createApiKey(rt.database.db, member.id, { name: 'member key', scopes: ['write'] });
    const client = await localClient(key);
    expect((await client.callTool({ name: 'manage_project', arguments: { action: 'create', title: 'As a member' } })).isError).toBeFalsy();
    await setUserRole(rt.database.db, member.id, 'viewer');
    const after = await client.callTool({ name: 'manage_project', arguments: { action: 'create', title: 'As a viewer' } });
    expect(textOf(after)).toBe('This needs write access, which this API key does not have');
    await client.close();
  });

  it('refuses a key that does not work at the start, in one line', async () => {
    await expect(buildLocalServer(rt, `ak_000000000000_${'x'.repeat(43)}`, dispatch)).rejects.toThrow(CliError);
  });
});

describe('6. archon mcp remotely, when the server goes away during a wait', () => {
  it('ends the wait with a clear error instead of hanging', async () => {
    const host = await startTrpcHost(rt);
    const backend = createRemoteBackend({ url: host.url, apiKey: keys.admin, watchCheckMs: 300 });
    const job = await backend.crawl({ url: `${site.url}/slowdocs/8`, mode: 'recursive', maxDepth: 40, concurrency: 1 });
    const ac = new AbortController();
    const seen: string[] = [];
    const watching = (async () => {
      for await (const state of backend.watchJob(job.id, ac.signal)) {
        seen.push(state.status);
        if (seen.length === 1) await host.close();
      }
      return 'ended';
    })();
    const outcome = await Promise.race([
      watching.then(
        (v) => v,
        (err: Error) => err.message,
      ),
      new Promise<string>((resolve) => setTimeout(() => resolve('still waiting after 10 s'), 10_000)),
    ]);
    ac.abort();
    expect(outcome).toMatch(
      new RegExp(
        `^Lost Archon while following job ${job.id}: Cannot reach Archon at ${host.url}: fetch failed \\(ECONNREFUSED\\)\\. The job may still be running`,
      ),
    );
    await backend.close();
    await rt.caller.jobs.cancel({ id: job.id }).catch(() => {});
  });
});

describe('12. archon mcp remotely: ARCHON_URL problems in one clear line', () => {
  it('says when ARCHON_URL is the /mcp endpoint, a web page, or unreachable, naming the URL once', async () => {
    const mcpHost = await startMcpHost(rt);
    const html = await startTrpcHost(rt);
    try {
      const failure = (url: string) =>
        connectRemote(url, keys.admin).then(
          () => 'connected',
          (err: Error) => `${err.name}: ${err.message}`,
        );
      expect(await failure(`${mcpHost.url}/mcp`)).toBe(
        `CliError: ARCHON_URL is Archon's address, not its MCP endpoint: set it to ${mcpHost.url} (without /mcp).`,
      );
      expect(await failure(`${html.url}/somewhere`)).toBe(
        `CliError: No Archon API at ${html.url}/somewhere: it answered with a web page. ARCHON_URL must be Archon's own address, such as http://127.0.0.1:3737`,
      );
      // A port nothing listens on any more.
      const gone = http.createServer();
      await new Promise<void>((resolve) => gone.listen(0, '127.0.0.1', resolve));
      const port = (gone.address() as AddressInfo).port;
      await new Promise((resolve) => gone.close(resolve));
      expect(await failure(`http://127.0.0.1:${port}`)).toBe(
        `CliError: Cannot reach Archon at http://127.0.0.1:${port}: fetch failed (ECONNREFUSED)`,
      );
      const { backend, me } = await connectRemote(mcpHost.url, keys.admin);
      expect(me.kind).toBe('api-key');
      await backend.close();
    } finally {
      await mcpHost.close();
      await html.close();
    }
  });
});
