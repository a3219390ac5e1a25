import { randomUUID } from 'node:crypto';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  CallToolRequestSchema,
  type CallToolResult,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  ReadResourceRequestSchema,
  type Resource,
  type ResourceTemplate,
} from '@modelcontextprotocol/sdk/types.js';
import { isAppError } from '../errors';
import type { Logger } from '../logger';
import { MAX_PAGE_CHARS } from '../schemas/search';
import { REFUSALS } from '../services/auth/authorize';
import type { Capability, Principal } from '../services/auth/principal';
import type { McpBackend } from './backend';
import { describeIssues, errorResult, paramError, rpcError, ToolInputError, toolError } from './errors';
import { INSTRUCTIONS, registerPrompts } from './guidance';
import { jobTools } from './job-tools';
import { knowledgeTools } from './knowledge-tools';
import { projectTools } from './project-tools';
import { systemTools } from './system-tools';
import { taskTools } from './task-tools';
import { listEntry, type RequestExtra, type SessionFacts, type ToolContext, type ToolDef } from './tool';

/** Every tool, in the order tools/list gives them: knowledge first, as the workflow uses them. */
export const ALL_TOOLS: readonly ToolDef[] = [...knowledgeTools, ...jobTools, ...projectTools, ...taskTools, ...systemTools];

export type BuildOptions = {
  version: string;
  /** Who calls: their capabilities decide which tools exist for them; kind and role word a refusal. */
  principal: Pick<Principal, 'kind' | 'role' | 'capabilities'>;
  /** The backend for one request (over HTTP, each request carries its own caller). */
  backendFor(extra: RequestExtra): McpBackend;
  /** The id an error is logged under and the client told. */
  requestIdFor?(extra: RequestExtra): string;
  logger: Logger;
  session: SessionFacts;
  startedAt: Date;
  /** Told when a tool call starts and ends (the HTTP transport keeps busy sessions). */
  onCall?: { start(): void; end(): void };
  /** Resources per resources/list answer (100). */
  resourcesPerList?: number;
  /** How often a call waiting for a job sends progress while the job is quiet (15 s). */
  progressHeartbeatMs?: number;
};

export const PAGE_URI = 'archon://sources/{sourceId}/pages/{pageId}';
/** source_id may be left out; it is needed only for an address several sources hold. */
export const PAGE_BY_URL_URI = 'archon://pages{?url,source_id}';
const pageUri = (sourceId: string, pageId: string) => `archon://sources/${encodeURIComponent(sourceId)}/pages/${pageId}`;

/**
 * One MCP server for one caller: the tools their capabilities allow (a read
 * key does not see write tools, and is told which access a hidden one needs),
 * pages as resources, two prompts and the workflow instructions. Built per
 * session over HTTP and once for stdio.
 */
export function buildMcpServer(opts: BuildOptions): McpServer {
  const server = new McpServer(
    { name: 'archon', title: 'Archon', version: opts.version },
    { instructions: INSTRUCTIONS, capabilities: { tools: {}, resources: {}, prompts: {} } },
  );
  const caps = new Set<Capability>(opts.principal.capabilities as Capability[]);
  const visible = new Map(ALL_TOOLS.filter((t) => caps.has(t.access)).map((t) => [t.name, t]));
  const requestIdOf = (extra: RequestExtra) => opts.requestIdFor?.(extra) ?? randomUUID();
  const context = (extra: RequestExtra, requestId: string): ToolContext => ({
    backend: opts.backendFor(extra),
    extra,
    requestId,
    logger: opts.logger,
    session: opts.session,
    startedAt: opts.startedAt,
    progressHeartbeatMs: opts.progressHeartbeatMs,
  });

  // McpServer's own tools handlers would answer bad arguments with "MCP error -32602: Input validation error: …"
  // and a hidden tool with "not found"; these say which field is wrong, and which access a tool needs.
  const listed = [...visible.values()].map(listEntry);
  server.server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: listed }));
  server.server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    const { name } = request.params;
    const tool = visible.get(name);
    if (!tool) {
      const hidden = ALL_TOOLS.find((t) => t.name === name);
      if (hidden) return toolError(REFUSALS.missing(hidden.access, opts.principal as Principal));
      return toolError(`Unknown tool '${name}': tools/list names the tools this server has.`);
    }
    const args = tool.input.safeParse(request.params.arguments ?? {});
    if (!args.success) return toolError(describeIssues(args.error.issues, tool.aliases));
    const requestId = requestIdOf(extra);
    opts.onCall?.start();
    try {
      const out = await tool.run(args.data, context(extra, requestId));
      const checked = tool.output.safeParse(out.data);
      if (!checked.success) throw new Error(`${name} produced a result its output schema refuses: ${checked.error.message}`);
      return { content: [{ type: 'text', text: out.text }], structuredContent: out.data as Record<string, unknown> };
    } catch (err) {
      return errorResult(err, { tool: name, requestId, logger: opts.logger, aliases: tool.aliases });
    } finally {
      opts.onCall?.end();
    }
  });

  registerPageResources(server, opts, requestIdOf);
  registerPrompts(server);
  plainParamErrors(server);
  return server;
}

type Handler = (request: unknown, extra: RequestHandlerExtra<never, never>) => Promise<unknown>;

/**
 * Every request's params are checked by the SDK against its schema before a
 * handler runs, and a refusal would go out as an internal error carrying the
 * ZodError's JSON (tools/call without a name, with string arguments, …). The
 * SDK has no hook for this, so each registered handler is wrapped once all
 * are registered: such refusals become invalid params in plain words.
 */
function plainParamErrors(server: McpServer) {
  const handlers = (server.server as unknown as { _requestHandlers: Map<string, Handler> })._requestHandlers;
  for (const [method, handler] of handlers) {
    handlers.set(method, async (request, extra) => {
      try {
        return await handler(request, extra);
      } catch (err) {
        throw paramError(err);
      }
    });
  }
}

const PAGE_ALIASES = { pageId: 'page_id', sourceId: 'source_id' };

const TEMPLATES: ResourceTemplate[] = [
  {
    name: 'page',
    uriTemplate: PAGE_URI,
    title: 'Knowledge page',
    description: 'A page of a source, as Markdown (the first 20,000 characters; tools read the rest)',
    mimeType: 'text/markdown',
  },
  {
    name: 'page-by-url',
    uriTemplate: PAGE_BY_URL_URI,
    title: 'Knowledge page by URL',
    description: 'The page crawled from this URL (URL-encoded), as Markdown; source_id when several sources hold it',
    mimeType: 'text/markdown',
  },
];

class ResourceNotFound extends Error {
  readonly code = -32002;
}

/** What a resource URI names: a page by its source and id, or by its address (and source). */
function parsePageUri(uri: string): { pageId?: string; url?: string; sourceId?: string } {
  const unknown = () =>
    new ResourceNotFound(`Resource not found: ${uri.slice(0, 300)} is not a page of this server (${PAGE_URI} or archon://pages?url=…)`);
  let parsed: URL;
  try {
    parsed = new URL(uri);
  } catch {
    throw unknown();
  }
  if (parsed.protocol !== 'archon:') throw unknown();
  const decode = (part: string, name: string) => {
    try {
      return decodeURIComponent(part);
    } catch {
      throw new ToolInputError(`${name}: '${part.slice(0, 100)}' is not valid percent-encoding`);
    }
  };
  if (parsed.host === 'sources') {
    const match = /^\/([^/]+)\/pages\/([^/]+)$/.exec(parsed.pathname);
    if (!match || parsed.search) throw unknown();
    return { sourceId: decode(match[1]!, 'source_id'), pageId: decode(match[2]!, 'page_id') };
  }
  if (parsed.host === 'pages' && !parsed.pathname) {
    // Parsed by hand: URLSearchParams would quietly keep a malformed escape as it is.
    const params = new Map<string, string>();
    for (const pair of parsed.search.slice(1).split('&').filter(Boolean)) {
      const [name = '', value = ''] = pair.split(/=(.*)/s);
      params.set(decode(name, 'uri'), decode(value.replace(/\+/g, ' '), name));
    }
    const url = params.get('url');
    if (!url) throw new ToolInputError("url: is required (archon://pages?url=<the page's address, URL-encoded>)");
    return { url, sourceId: params.get('source_id') || undefined };
  }
  throw unknown();
}

function registerPageResources(server: McpServer, opts: BuildOptions, requestIdOf: (extra: RequestExtra) => string) {
  server.server.setRequestHandler(ListResourceTemplatesRequestSchema, () => ({ resourceTemplates: TEMPLATES }));
  server.server.setRequestHandler(ReadResourceRequestSchema, async (request, extra) => {
    const requestId = requestIdOf(extra);
    const href = request.params.uri;
    try {
      const target = parsePageUri(href);
      const byId = target.pageId !== undefined;
      let page: Awaited<ReturnType<McpBackend['readPage']>>;
      try {
        page = await opts.backendFor(extra).readPage({
          ...(byId ? { pageId: target.pageId } : { url: target.url, sourceId: target.sourceId }),
          offset: 0,
          maxChars: MAX_PAGE_CHARS,
        });
      } catch (err) {
        // Several sources crawled this address: the URI can say which.
        if (!byId && isAppError(err) && err.code === 'BAD_REQUEST' && err.details?.field === 'sourceId')
          throw new ToolInputError(`${err.message.replace(/; give sourceId.*$/, '')}: add source_id to the URI (archon://pages?url=…&source_id=…)`);
        throw err;
      }
      if (byId && page.sourceId !== target.sourceId) throw new ToolInputError(`page_id: page '${page.id}' is not in source '${target.sourceId}'`);
      const rest = page.truncated ? `\n\n[${page.notice} With tools: rag_read_full_page(page_id "${page.id}", offset ${MAX_PAGE_CHARS}).]` : '';
      return { contents: [{ uri: href, mimeType: 'text/markdown', text: `${page.content}${rest}` }] };
    } catch (err) {
      if (err instanceof ResourceNotFound) throw err;
      throw rpcError(err, { what: 'resource read', requestId, logger: opts.logger, aliases: PAGE_ALIASES });
    }
  });

  // Every page, a cursor at a time: a knowledge base has too many to list at once.
  server.server.setRequestHandler(ListResourcesRequestSchema, async (request, extra) => {
    const requestId = requestIdOf(extra);
    try {
      const perList = opts.resourcesPerList ?? 100;
      const backend = opts.backendFor(extra);
      let { s, p } = decodeCursor(request.params?.cursor);
      const resources: Resource[] = [];
      while (resources.length < perList) {
        const sources = await backend.listSources({ limit: 1, offset: s });
        const source = sources.items[0];
        if (!source) return { resources };
        const pages = await backend.listPages({ sourceId: source.id, limit: perList - resources.length, offset: p });
        for (const page of pages.items) {
          resources.push({
            uri: pageUri(source.id, page.id),
            name: page.url,
            title: page.title,
            description: `${source.title}: ${page.url}`,
            mimeType: 'text/markdown',
            size: page.charCount,
          });
        }
        p += pages.items.length;
        if (p >= pages.total) {
          s += 1;
          p = 0;
        }
        if (s >= sources.total) return { resources };
      }
      return { resources, nextCursor: Buffer.from(JSON.stringify({ s, p })).toString('base64url') };
    } catch (err) {
      throw rpcError(err, { what: 'resources/list', requestId, logger: opts.logger });
    }
  });
}

/** The largest offset listSources and listPages take. */
const MAX_CURSOR_OFFSET = 1_000_000;

/** The opaque cursor: which source (by the sources' order) and which of its pages come next. */
function decodeCursor(cursor: string | undefined): { s: number; p: number } {
  if (!cursor) return { s: 0, p: 0 };
  const within = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0 && (n as number) <= MAX_CURSOR_OFFSET;
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { s?: unknown; p?: unknown };
    if (within(v.s) && within(v.p)) return { s: v.s, p: v.p };
  } catch {}
  throw new ToolInputError('cursor: not one this server gave; list again without a cursor');
}
