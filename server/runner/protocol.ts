/**
 * Inngest's SDK ↔ executor HTTP protocol, as the local runner speaks it
 * (docs/SDK_SPEC.md in inngest/inngest; checked against inngest 4.24.0).
 */
export type MemoEntry = { type: 'data'; data: unknown } | { type: 'error'; error: unknown };

export type Op = {
  op: string;
  id: string;
  name?: string;
  displayName?: string;
  data?: unknown;
  error?: unknown;
  opts?: Record<string, unknown>;
};

export type CallBody = {
  event: Record<string, unknown>;
  events: Record<string, unknown>[];
  steps: Record<string, MemoEntry>;
  ctx: {
    run_id: string;
    attempt: number;
    max_attempts: number;
    disable_immediate_execution: boolean;
    use_api: false;
    stack: { stack: string[]; current: number };
  };
};

export type CallOutcome =
  | { kind: 'done'; output: unknown }
  | { kind: 'ops'; ops: Op[]; retryAfterMs: number | null }
  | { kind: 'retry'; error: unknown; retryAfterMs: number | null }
  | { kind: 'fail'; error: unknown };

export const SERVE_URL = 'http://localhost/api/inngest';

// ctx.fn_id is deliberately absent: it switches the SDK to async checkpointing,
// which calls back to an Inngest server.
export function buildCallRequest(fnId: string, stepId: string, body: CallBody): Request {
  const url = `${SERVE_URL}?fnId=${encodeURIComponent(fnId)}&stepId=${encodeURIComponent(stepId)}`;
  return new Request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', host: 'localhost', 'x-inngest-server-kind': 'dev' },
    body: JSON.stringify(body),
  });
}

/** Retry-After is whole seconds or an HTTP/ISO date. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Sleep durations as the SDK sends them in the op's name ("2s", "1h30m", "500ms"). */
export function parseDuration(value: string): number | null {
  const parts = [...value.matchAll(/(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== value.replace(/\s+/g, '')) return null;
  return parts.reduce((sum, p) => sum + Number(p[1]) * UNITS[p[2]!]!, 0);
}

export async function readOutcome(res: Response): Promise<CallOutcome> {
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = text;
  }
  const noRetry = res.headers.get('x-inngest-no-retry');
  const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
  if (res.status === 200) return { kind: 'done', output: body };
  if (res.status === 206 && Array.isArray(body)) return { kind: 'ops', ops: body as Op[], retryAfterMs };
  if (res.status >= 500 && noRetry !== 'true') return { kind: 'retry', error: body, retryAfterMs };
  return { kind: 'fail', error: body ?? { message: `HTTP ${res.status}` } };
}
