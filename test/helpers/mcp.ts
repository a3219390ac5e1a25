import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { createTRPCClient, httpBatchLink } from '@trpc/client';
import superjson from 'superjson';
import type { ApiKeyScope } from '../../db/schema/accounts';
import type { Database } from '../../db/types';
import { sendFetchResponse, toFetchRequest } from '../../server/http/node-fetch';
import { createMcpHttpHandler, MCP_PATH, type McpHttpHandler, type McpHttpOptions } from '../../server/mcp/http';
import type { AppRouter } from '../../server/routers/_app';
import { appRouter } from '../../server/routers/_app';
import type { Runtime } from '../../server/runtime/runtime';
import { setupOwner } from '../../server/services/auth/accounts';
import { REQUEST_ID_HEADER, requestIdOf } from '../../server/services/auth/actor';
import { createApiKey } from '../../server/services/auth/api-keys';
import { CLIENT_IP_HEADER } from '../../server/services/auth/client-ip';
import { createTrpcHttpHandler, TRPC_ENDPOINT } from '../../server/trpc/http-handler';

/** `errors` holds what the server would log as a failed request (app-server.ts logs them as ERROR). */
export type McpHost = { url: string; mcp: McpHttpHandler; errors: unknown[]; close(): Promise<void> };

/**
 * What server/app-server.ts does for /mcp and /api/trpc, on a plain HTTP
 * server without Next.js: database tests reach the MCP endpoint over real
 * HTTP, and check it against the same data through tRPC.
 */
export async function startMcpHost(runtime: Runtime, opts: McpHttpOptions = {}): Promise<McpHost> {
  const mcp = await createMcpHttpHandler(runtime, opts);
  const errors: unknown[] = [];
  const trpc = createTrpcHttpHandler(appRouter);
  const server = http.createServer((req, res) => {
    req.headers[CLIENT_IP_HEADER] = req.socket.remoteAddress ?? '';
    const sent = req.headers[REQUEST_ID_HEADER];
    req.headers[REQUEST_ID_HEADER] = requestIdOf(typeof sent === 'string' ? sent : null);
    res.setHeader(REQUEST_ID_HEADER, req.headers[REQUEST_ID_HEADER]);
    const path = (req.url ?? '/').split('?', 1)[0]!;
    const handled =
      path === MCP_PATH
        ? mcp.handle(toFetchRequest(req, res))
        : path.startsWith(TRPC_ENDPOINT)
          ? trpc(toFetchRequest(req, res))
          : Promise.resolve(new Response('not found', { status: 404 }));
    handled
      .then((response) => sendFetchResponse(res, response))
      .catch((err: unknown) => {
        errors.push(err);
        if (!res.headersSent) res.writeHead(500);
        res.end(String(err));
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    mcp,
    errors,
    close: async () => {
      await mcp.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The owner with an admin key, and keys of each scope. */
export async function createKeys(db: Database) {
  const owner = await setupOwner(db, { email: 'owner@mcp.test', password: 'a long enough password 1' });
  const key = async (scope: ApiKeyScope, name = `${scope} key`) => {
    const created = await createApiKey(db, owner.id, { name, scopes: [scope] });
    return { key: created.key, id: created.apiKey.id };
  };
  return { owner, key, admin: (await key('admin')).key, write: (await key('write')).key, read: (await key('read')).key };
}

/** The official SDK client over streamable HTTP, with a bearer key (and, optionally, a fetch that picks the process). */
export async function connectMcp(baseUrl: string, apiKey: string, opts: { fetch?: typeof fetch; name?: string } = {}) {
  const transport = new StreamableHTTPClientTransport(new URL(`${baseUrl}${MCP_PATH}`), {
    requestInit: { headers: { authorization: `Bearer ${apiKey}` } },
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
  });
  const client = new Client({ name: opts.name ?? 'archon-test', version: '1.0.0' });
  client.onerror = () => {};
  await client.connect(transport);
  return { client, transport };
}

/** A tRPC client over HTTP only (no WebSocket), for checking what the tools did. */
export const trpcOver = (baseUrl: string, apiKey: string) =>
  createTRPCClient<AppRouter>({
    links: [httpBatchLink({ url: `${baseUrl}/api/trpc`, transformer: superjson, headers: () => ({ authorization: `Bearer ${apiKey}` }) })],
  });
export type TrpcClient = ReturnType<typeof trpcOver>;

/** A tool's structured result, or a failure that shows the tool's own message. */
export function structured<T = any>(result: Awaited<ReturnType<Client['callTool']>>): T {
  const r = result as CallToolResult;
  if (r.isError) throw new Error(`tool failed: ${textOf(r)}`);
  return r.structuredContent as T;
}

export const textOf = (result: Awaited<ReturnType<Client['callTool']>>) =>
  ((result as CallToolResult).content ?? []).map((c) => (c.type === 'text' ? c.text : '')).join('\n');

/** A JSON-RPC POST to /mcp by hand, for what the SDK client would not send. */
export async function rawPost(baseUrl: string, body: string | object, headers: Record<string, string> = {}) {
  const res = await fetch(`${baseUrl}${MCP_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

export const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};

/** A session opened by hand (initialize, then initialized), for requests the SDK client would not send. */
export async function rawSession(baseUrl: string, apiKey: string, init: object = INITIALIZE) {
  const auth = { authorization: `Bearer ${apiKey}` };
  const res = await rawPost(baseUrl, init, auth);
  const sessionId = res.headers.get('mcp-session-id');
  if (!sessionId) throw new Error(`initialize answered ${res.status}: ${res.text}`);
  const headers = { ...auth, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' };
  await rawPost(baseUrl, { jsonrpc: '2.0', method: 'notifications/initialized' }, headers);
  return { sessionId, headers, post: (body: string | object) => rawPost(baseUrl, body, headers) };
}

/** The JSON-RPC messages of an answer, whether it came as JSON or as an event stream. */
export const messagesOf = (res: { headers: Headers; text: string }): any[] =>
  res.headers.get('content-type')?.includes('text/event-stream')
    ? res.text
        .split('\n')
        .filter((l) => l.startsWith('data: '))
        .map((l) => JSON.parse(l.slice(6)))
    : res.text
      ? [JSON.parse(res.text)]
      : [];
