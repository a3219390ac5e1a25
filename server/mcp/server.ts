import { randomUUID } from 'node:crypto';
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  CallToolRequestSchema,
  type CallToolResult,
  ListResourcesRequestSchema,
  ListToolsRequestSchema,
  type Resource,
} from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../logger';
import { MAX_PAGE_CHARS } from '../schemas/search';
import { REFUSALS } from '../services/auth/authorize';
import type { Capability, Principal } from '../services/auth/principal';
import type { McpBackend } from './backend';
import { describeIssues, errorResult, rpcError, ToolInputError, toolError } from './errors';
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
};

export const PAGE_URI = 'archon://sources/{sourceId}/pages/{pageId}';
export const PAGE_BY_URL_URI = 'archon://pages{?url}';
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
  return server;
}

function registerPageResources(server: McpServer, opts: BuildOptions, requestIdOf: (extra: RequestExtra) => string) {
  const read = async (extra: RequestExtra, href: string, input: { pageId?: string; url?: string }, sourceId?: string) => {
    const requestId = requestIdOf(extra);
    try {
      const page = await opts.backendFor(extra).readPage({ ...input, offset: 0, maxChars: MAX_PAGE_CHARS });
      if (sourceId !== undefined && page.sourceId !== sourceId) throw new ToolInputError(`Page '${page.id}' is not in source '${sourceId}'`);
      const rest = page.truncated ? `\n\n[${page.notice} With tools: rag_read_full_page(page_id "${page.id}", offset ${MAX_PAGE_CHARS}).]` : '';
      return { contents: [{ uri: href, mimeType: 'text/markdown', text: `${page.content}${rest}` }] };
    } catch (err) {
      throw rpcError(err, { what: 'resource read', requestId, logger: opts.logger });
    }
  };
  const one = (v: string | string[] | undefined) => decodeURIComponent(Array.isArray(v) ? (v[0] ?? '') : (v ?? ''));

  server.registerResource(
    'page',
    new ResourceTemplate(PAGE_URI, { list: undefined }),
    {
      title: 'Knowledge page',
      description: 'A page of a source, as Markdown (the first 20,000 characters; tools read the rest)',
      mimeType: 'text/markdown',
    },
    (uri, vars, extra) => read(extra, uri.href, { pageId: one(vars.pageId) }, one(vars.sourceId)),
  );
  server.registerResource(
    'page-by-url',
    new ResourceTemplate(PAGE_BY_URL_URI, { list: undefined }),
    { title: 'Knowledge page by URL', description: 'The page crawled from this URL (URL-encoded), as Markdown', mimeType: 'text/markdown' },
    (uri, vars, extra) => read(extra, uri.href, { url: one(vars.url) }),
  );

  // McpServer lists template resources all at once; a knowledge base has too many pages for that.
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

/** The opaque cursor: which source (by the sources' order) and which of its pages come next. */
function decodeCursor(cursor: string | undefined): { s: number; p: number } {
  if (!cursor) return { s: 0, p: 0 };
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { s?: unknown; p?: unknown };
    if (Number.isSafeInteger(v.s) && Number.isSafeInteger(v.p) && (v.s as number) >= 0 && (v.p as number) >= 0)
      return { s: v.s as number, p: v.p as number };
  } catch {}
  throw new ToolInputError('The cursor is not one this server gave; list again without a cursor');
}
