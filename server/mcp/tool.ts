import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { ServerNotification, ServerRequest, Tool, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { Logger } from '../logger';
import type { Capability } from '../services/auth/principal';
import type { McpBackend } from './backend';

export type RequestExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** What session_info reports about the connection. */
export type SessionFacts = {
  transport: 'http' | 'stdio';
  mode: 'server' | 'local' | 'remote';
  /** How long an idle HTTP session lives. */
  idleTimeoutSeconds: number | null;
  /** Open sessions of the calling key, where the sessions are known (HTTP). */
  activeSessions?: () => Promise<number>;
};

export type ToolContext = {
  backend: McpBackend;
  extra: RequestExtra;
  requestId: string;
  logger: Logger;
  session: SessionFacts;
  /** Server uptime, for health and session reports. */
  startedAt: Date;
  /** How often a call waiting for a job sends progress while the job is quiet (PROGRESS_HEARTBEAT_MS). */
  progressHeartbeatMs?: number;
};

/** A tool's answer: the structured result (checked against its output schema) and its text rendering. */
export type ToolOutput<T> = { data: T; text: string };

export type ToolDef<I extends z.ZodObject = z.ZodObject, O extends z.ZodObject = z.ZodObject> = {
  name: string;
  /** Who may see and call it: read, write or admin. */
  access: Capability;
  description: string;
  /** Strict: an unknown parameter is refused by name, so a misspelt one is not silently ignored. */
  input: I;
  output: O;
  annotations?: ToolAnnotations;
  /** Service field → parameter, where the parameter is not the field in snake_case (limit → match_count). */
  aliases?: Record<string, string>;
  run(args: z.output<I>, ctx: ToolContext): Promise<ToolOutput<z.input<O>>>;
};

export const defineTool = <I extends z.ZodObject, O extends z.ZodObject>(def: ToolDef<I, O>): ToolDef => def as unknown as ToolDef;

/**
 * Drops what costs context and tells a model little: `$schema`; patterns
 * (a UUID's is 190 characters; `format` says it); length bounds; bounds
 * past any real value; and, in results, everything below the top-level
 * fields' types. Arguments are still checked against the full zod
 * schema, so nothing is accepted that these would have refused.
 */
function compact(node: unknown, output: boolean, depth = 0): unknown {
  if (Array.isArray(node)) return node.map((n) => compact(n, output, depth));
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === '$schema' || key === 'pattern' || key === 'minLength' || key === 'maxLength' || key === 'maxItems') continue;
    if ((key === 'maximum' || key === 'minimum') && typeof value === 'number' && Math.abs(value) >= 1_000_000) continue;
    if (key === 'exclusiveMinimum' && value === 0) continue;
    // A result's top-level fields are declared; what is inside them shows in the result itself.
    if (output && (key === 'additionalProperties' || (depth >= 1 && (key === 'required' || key === 'properties')))) continue;
    // An enum says its type.
    if (key === 'type' && value === 'string' && 'enum' in node) continue;
    out[key] = key === 'properties' ? compactProperties(value as Record<string, unknown>, output, depth + 1) : compact(value, output, depth);
  }
  return out;
}

const compactProperties = (props: Record<string, unknown>, output: boolean, depth: number) =>
  Object.fromEntries(Object.entries(props).map(([k, v]) => [k, compact(v, output, depth)]));

export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): Tool['inputSchema'] {
  return compact(z.toJSONSchema(schema, { target: 'draft-7', io, unrepresentable: 'any' }), io === 'output') as Tool['inputSchema'];
}

/** The tools/list entry of a tool. */
export function listEntry(tool: ToolDef): Tool {
  return {
    name: tool.name,
    description: tool.description,
    inputSchema: jsonSchemaOf(tool.input, 'input'),
    outputSchema: jsonSchemaOf(tool.output, 'output') as Tool['outputSchema'],
    ...(tool.annotations ? { annotations: tool.annotations } : {}),
  };
}

/** A value as JSON carries it: dates as ISO strings. */
export type Jsonified<T> = T extends Date
  ? string
  : T extends (infer U)[]
    ? Jsonified<U>[]
    : T extends Record<string, unknown>
      ? { [K in keyof T]: Jsonified<T[K]> }
      : T;

/** Structured content is JSON: dates become ISO strings, undefined members go. */
export const toJson = <T>(value: T): Jsonified<T> => JSON.parse(JSON.stringify(value)) as Jsonified<T>;

/** Approximate tokens of a text: characters / 4, the usual rule of thumb for English and code. */
export const estimateTokens = (text: string) => Math.ceil(text.length / 4);

// The spec's defaults are readOnlyHint false, destructiveHint true, openWorldHint true: only what differs is sent.
export const READ_ONLY: ToolAnnotations = { readOnlyHint: true };
export const WRITES: ToolAnnotations = { destructiveHint: false, openWorldHint: false };
export const DESTROYS: ToolAnnotations = { openWorldHint: false };

/** Cuts a long text for a list, saying so. */
export function clip(text: string | null | undefined, max: number): string {
  if (!text) return '';
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** The common page parameters of v1's find_* tools. */
export const pageParams = {
  page: z.number().int().min(1).max(10_000).default(1),
  per_page: z.number().int().min(1).max(100).default(10),
};
export const pageOf = (args: { page: number; per_page: number }) => ({ limit: args.per_page, offset: (args.page - 1) * args.per_page });
