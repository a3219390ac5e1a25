/**
 * "Test the endpoint": what an MCP client does first, from the browser, with
 * a key: initialize a session at /mcp, list the tools, end the session. It
 * goes to this page's own origin (the endpoint the snippets name may sit
 * behind a proxy the browser does not reach the same way) with no cookies,
 * as a real client would come.
 */

const PROTOCOL_VERSION = '2025-06-18';

export type McpCheck = { ok: true; tools: string[]; server: string; ms: number } | { ok: false; status: number | null; message: string };

type RpcAnswer = { result?: Record<string, unknown>; error?: { message?: string } };

/** The JSON-RPC answer with `id` in a JSON body or an event stream's data lines. */
async function answerOf(res: Response, id: number): Promise<RpcAnswer | null> {
  const text = await res.text();
  const type = res.headers.get('content-type') ?? '';
  const candidates = type.includes('text/event-stream')
    ? text
        .split(/\r?\n\r?\n/)
        .map((event) =>
          event
            .split(/\r?\n/)
            .filter((l) => l.startsWith('data:'))
            .map((l) => l.slice(5).trimStart())
            .join('\n'),
        )
        .filter(Boolean)
    : [text];
  for (const raw of candidates) {
    try {
      const message = JSON.parse(raw) as RpcAnswer & { id?: unknown };
      if (message.id === id || message.error) return message;
    } catch {
      // not JSON: keep looking
    }
  }
  return null;
}

async function refusal(res: Response): Promise<McpCheck> {
  const body = (await res.json().catch(() => null)) as RpcAnswer | null;
  const message = body?.error?.message ?? `The endpoint answered ${res.status}`;
  return { ok: false, status: res.status, message };
}

export async function checkMcpEndpoint(apiKey: string, signal?: AbortSignal): Promise<McpCheck> {
  const started = performance.now();
  const base: Record<string, string> = {
    authorization: `Bearer ${apiKey.trim()}`,
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
  };
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch('/mcp', { method: 'POST', headers: { ...base, ...headers }, body: JSON.stringify(body), credentials: 'omit', signal });
  try {
    const init = await post({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'archon-dashboard', version: '1' } },
    });
    if (!init.ok) return refusal(init);
    const session = init.headers.get('mcp-session-id');
    const hello = await answerOf(init, 1);
    if (!session || !hello?.result)
      return { ok: false, status: init.status, message: hello?.error?.message ?? 'The endpoint did not start a session' };
    const info = hello.result.serverInfo as { name?: string; version?: string } | undefined;
    const version = String(hello.result.protocolVersion ?? PROTOCOL_VERSION);
    const inSession = { 'mcp-session-id': session, 'mcp-protocol-version': version };
    try {
      await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, inSession);
      const list = await post({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} }, inSession);
      if (!list.ok) return refusal(list);
      const answer = await answerOf(list, 2);
      const tools = (answer?.result?.tools as { name: string }[] | undefined)?.map((t) => t.name);
      if (!tools) return { ok: false, status: list.status, message: answer?.error?.message ?? 'tools/list gave no tools' };
      return { ok: true, tools, server: `${info?.name ?? 'archon'} ${info?.version ?? ''}`.trim(), ms: Math.round(performance.now() - started) };
    } finally {
      // Ends the session, as a client closing down would; a failure here changes nothing for the answer.
      void fetch('/mcp', { method: 'DELETE', headers: { authorization: base.authorization!, ...inSession }, credentials: 'omit' }).catch(() => {});
    }
  } catch (err) {
    if (signal?.aborted) throw err;
    return { ok: false, status: null, message: 'The endpoint could not be reached from this browser.' };
  }
}
