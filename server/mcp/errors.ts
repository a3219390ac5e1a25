import type { CallToolResult, JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { type AppError, fromDatabaseError, isAppError } from '../errors';
import type { Logger } from '../logger';

/**
 * The one place where errors become MCP answers, as trpc/error-mapping.ts is
 * for tRPC and http/error-response.ts for route handlers. A tool's failure is
 * a result with `isError` (the model reads it and can correct itself); bad
 * input names the field and what it expects; anything unexpected is logged
 * with the request id, and the client gets only that id.
 */

type ZodLikeIssue = { path: PropertyKey[]; message: string; code?: string; keys?: string[] };

/** pageId → page_id: the tools' parameters are snake_case, the services' fields camelCase. */
export const snakeCase = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** zod's classic ZodError, or the core $ZodError the SDK's own schemas throw. */
function zodIssues(err: unknown): ZodLikeIssue[] | null {
  const name = err && typeof err === 'object' ? (err as { name?: string }).name : undefined;
  return name === 'ZodError' || name === '$ZodError' ? (err as { issues: ZodLikeIssue[] }).issues : null;
}

/** zod's wording made plainer for a model: a missing value is "is required", not "expected string, received undefined". */
function plainMessage(issue: ZodLikeIssue): string {
  const required = /^Invalid input: expected (\w+), received undefined$/.exec(issue.message);
  if (required) return `is required (${required[1]})`;
  return issue.message
    .replace(/^Invalid input: /, '')
    .replace(/^Too big: expected \w+ to (?:be|have) <=?(\d+)( \w+)?$/, (_, n: string, unit = '') => `must be at most ${n}${unit}`)
    .replace(/^Too small: expected \w+ to (?:be|have) >=?(\d+)( \w+)?$/, (_, n: string, unit = '') => `must be at least ${n}${unit}`);
}

/**
 * "Invalid arguments: match_count: Too big: expected number to be <=50; title: is required".
 * `aliases` renames service fields to the tool's parameters where snake_case alone is not the name (limit → match_count).
 */
export function describeIssues(issues: readonly ZodLikeIssue[], aliases: Record<string, string> = {}): string {
  const parts = new Map<string, string[]>();
  for (const issue of issues) {
    const at = issue.path.map((p) => (typeof p === 'string' ? (aliases[p] ?? snakeCase(p)) : String(p)));
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys ?? []) {
        const field = [...at, key].join('.');
        parts.set(field, [...(parts.get(field) ?? []), 'is not a parameter of this tool']);
      }
      continue;
    }
    const field = at.join('.') || 'arguments';
    parts.set(field, [...(parts.get(field) ?? []), plainMessage(issue)]);
  }
  return `Invalid arguments: ${[...parts].map(([field, messages]) => `${field}: ${messages.join(', ')}`).join('; ')}`;
}

/** A refusal the tool itself decides (a parameter that needs another), worded like a validation error. */
export class ToolInputError extends Error {
  override name = 'ToolInputError';
}

export const toolError = (text: string): CallToolResult => ({ content: [{ type: 'text', text }], isError: true });

/** Service fields that services name in their messages ("give sourceId, or read by pageId"); the tools call them page_id and so on. */
const SERVICE_FIELDS =
  /\b(sourceIds?|pageId|projectId|parentId|taskId|jobId|documentId|codeExampleIds|afterId|beforeId|expectedVersion|versionNumber|fieldName)\b/g;

function describeAppError(e: AppError, aliases: Record<string, string>): string {
  const param = (field: string) => aliases[field] ?? snakeCase(field);
  // Services name camelCase fields ("sourceId: …"); the caller knows them by their tool parameter names.
  let message = e.message.replace(/^([a-z][A-Za-z]*):/, (_, field: string) => `${param(field)}:`).replace(SERVICE_FIELDS, (f: string) => param(f));
  // A refusal about one field says which, when the message does not start with it already.
  const field = typeof e.details?.field === 'string' ? param(e.details.field) : null;
  if (field && !message.startsWith(`${field}:`) && e.code === 'BAD_REQUEST' && !message.includes(field)) message = `${field}: ${message}`;
  switch (e.code) {
    case 'BAD_REQUEST':
      return message.startsWith('Invalid') ? message : `Invalid arguments: ${message}`;
    case 'NOT_FOUND':
      return `Not found: ${message}`;
    default:
      return message;
  }
}

/** The error result for anything a tool threw. Unexpected errors are logged, with the request id the client is told. */
export function errorResult(
  err: unknown,
  ctx: { tool: string; requestId: string; logger: Logger; aliases?: Record<string, string> },
): CallToolResult {
  const issues = zodIssues(err);
  if (issues) return toolError(describeIssues(issues, ctx.aliases));
  if (err instanceof ToolInputError) return toolError(`Invalid arguments: ${err.message}`);
  const appError = isAppError(err) ? err : fromDatabaseError(err);
  if (appError) return toolError(describeAppError(appError, ctx.aliases ?? {}));
  ctx.logger.error('MCP tool failed', { tool: ctx.tool, requestId: ctx.requestId, error: err as Error });
  return toolError(`Internal error (request ${ctx.requestId})`);
}

/** The JSON-RPC error for a failure outside tools (resources, prompts): a plain message, never "MCP error -32602: MCP error …". */
export function rpcError(
  err: unknown,
  ctx: { what: string; requestId: string; logger: Logger; aliases?: Record<string, string> },
): Error & { code: number } {
  const issues = zodIssues(err);
  if (issues)
    return Object.assign(new Error(describeIssues(issues, ctx.aliases).replace(/^Invalid arguments:/, 'Invalid params:')), { code: -32602 });
  const appError = isAppError(err) ? err : fromDatabaseError(err);
  if (appError) {
    const code = appError.code === 'NOT_FOUND' ? -32002 : appError.code === 'BAD_REQUEST' ? -32602 : -32603;
    const message = describeAppError(appError, ctx.aliases ?? {}).replace(/^Invalid arguments:/, 'Invalid params:');
    return Object.assign(new Error(message), { code });
  }
  if (err instanceof ToolInputError) return Object.assign(new Error(`Invalid params: ${err.message}`), { code: -32602 });
  ctx.logger.error(`MCP ${ctx.what} failed`, { requestId: ctx.requestId, error: err as Error });
  return Object.assign(new Error(`Internal error (request ${ctx.requestId})`), { code: -32603 });
}

/**
 * An error the SDK makes itself (an McpError: "Resource … not found") has its
 * code written into its message, and the client's McpError adds it again:
 * "MCP error -32602: MCP error -32602: …". Sent without it, the client shows
 * it once.
 */
export function plainErrorMessage<M extends JSONRPCMessage>(message: M): M {
  if (!('error' in message) || typeof message.error?.message !== 'string') return message;
  const plain = message.error.message.replace(/^(?:MCP error -?\d+: )+/, '');
  return plain === message.error.message ? message : { ...message, error: { ...message.error, message: plain } };
}

/**
 * The error for a request whose params the SDK refused against its own
 * schemas: it throws the ZodError as it is, which would go out as an internal
 * error whose message is a JSON dump. Protocol fields keep their names
 * (`name`, `arguments`, `uri`). Anything else is passed on unchanged.
 */
export function paramError(err: unknown): unknown {
  const issues = zodIssues(err);
  if (issues) {
    const parts = issues.map((i) => {
      const path = (i.path[0] === 'params' ? i.path.slice(1) : i.path).map(String).join('.') || 'params';
      return `${path}: ${plainMessage(i)}`;
    });
    return Object.assign(new Error(`Invalid params: ${parts.join('; ')}`), { code: -32602 });
  }
  if (err instanceof TypeError && (err as { code?: string }).code === 'ERR_INVALID_URL')
    return Object.assign(new Error('Invalid params: uri: is not a valid URI'), { code: -32602 });
  return err;
}
