import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { buildLocalServer, buildRemoteServer } from '../../cli/mcp';
import { dispatch } from '../../inngest/dispatch';
import type { Runtime } from '../../server/runtime/runtime';

/**
 * The servers `archon mcp` builds, with the official client over an in-memory
 * link instead of stdio: on the local database, or against a remote Archon.
 * Each `close` ends the client, and the remote mode's backend with it.
 */
export type StdioClient = { client: Client; close(): Promise<void> };

async function linked(server: McpServer, name: string, after?: () => Promise<void>): Promise<StdioClient> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name, version: '1' });
  await client.connect(clientSide);
  return {
    client,
    close: async () => {
      await client.close().catch(() => {});
      await after?.();
    },
  };
}

/** `archon mcp` on the local database, as `apiKey`. */
export const localStdioClient = async (rt: Runtime, apiKey: string) => linked(await buildLocalServer(rt, apiKey, dispatch), 'stdio-local');

/** `archon mcp` with ARCHON_URL=`baseUrl`, as `apiKey`. */
export async function remoteStdioClient(rt: Pick<Runtime, 'logger'>, baseUrl: string, apiKey: string): Promise<StdioClient> {
  const { server, backend } = await buildRemoteServer(baseUrl, apiKey, rt.logger);
  return linked(server, 'stdio-remote', () => backend.close());
}

/**
 * Opens local and remote stdio clients for a test file and closes them all at
 * its end; `where` is read at each opening (the file's runtime and tRPC host
 * exist once its beforeAll has run).
 */
export function stdioClients(where: () => { rt: Runtime; url: string }) {
  const opened: StdioClient[] = [];
  const kept = (opening: StdioClient) => {
    opened.push(opening);
    return opening.client;
  };
  return {
    local: async (apiKey: string) => kept(await localStdioClient(where().rt, apiKey)),
    remote: async (apiKey: string) => kept(await remoteStdioClient(where().rt, where().url, apiKey)),
    closeAll: async () => {
      for (const opening of opened.splice(0)) await opening.close();
    },
  };
}
