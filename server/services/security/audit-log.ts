import { and, count, desc, eq, gte, lt, type SQL } from 'drizzle-orm';
import { apiKeys, auditLog, users } from '../../../db/schema';
import type { Database } from '../../../db/types';
import type { AuditAction, ListAuditInput } from '../../schemas/audit';
import type { Page } from '../../schemas/common';

export { AUDIT_ACTIONS, type AuditAction } from '../../schemas/audit';

export type AuditEntry = {
  action: AuditAction;
  actorUserId?: string | null;
  actorKeyId?: string | null;
  /** Who or what the action was about, when not the actor: an email, a key prefix, a source id. */
  target?: string | null;
  details?: Record<string, unknown>;
  ip?: string | null;
};

/**
 * The audit log is read by every admin and kept forever, so a secret written
 * into it would outlive its rotation and reach people who were never meant to
 * see it. Callers should not pass secrets at all; this is the net under them.
 * Keys that name a secret are dropped, which means harmless fields must not be
 * called `key` or `…Key` either: say `setting`, `keyId` or `keyPrefix`.
 */
const SECRET_KEY = /password|secret|token|apiKey|api_key|key$/i;
// A full API key in a value (a pasted error message, say) is redacted too.
const API_KEY_VALUE = /ak_[0-9a-f]{12}_[A-Za-z0-9_-]{20,}/g;
const MAX_DEPTH = 8;
const MAX_STRING = 2_000;

function sanitize(value: unknown, depth: number): unknown {
  if (typeof value === 'string') {
    // Postgres cannot store NUL in jsonb; an unstorable detail must not fail the action it records.
    const clean = value.replaceAll('\0', '').replace(API_KEY_VALUE, '[redacted]');
    return clean.length > MAX_STRING ? `${clean.slice(0, MAX_STRING)}…` : clean;
  }
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return value.toISOString();
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (Array.isArray(value)) return value.map((v) => sanitize(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (SECRET_KEY.test(k) || v === undefined || typeof v === 'function') continue;
    out[k.replaceAll('\0', '')] = sanitize(v, depth + 1);
  }
  return out;
}

export const sanitizeAuditDetails = (details: Record<string, unknown> = {}) => sanitize(details, 0) as Record<string, unknown>;

export async function recordAudit(db: Database, entry: AuditEntry): Promise<void> {
  await db.insert(auditLog).values({
    action: entry.action,
    actorUserId: entry.actorUserId ?? null,
    actorKeyId: entry.actorKeyId ?? null,
    target: entry.target ?? null,
    details: sanitizeAuditDetails(entry.details),
    ip: entry.ip ?? null,
  });
}

const auditColumns = {
  id: auditLog.id,
  action: auditLog.action,
  actorUserId: auditLog.actorUserId,
  actorEmail: users.email,
  actorKeyId: auditLog.actorKeyId,
  actorKeyPrefix: apiKeys.prefix,
  target: auditLog.target,
  details: auditLog.details,
  ip: auditLog.ip,
  createdAt: auditLog.createdAt,
};

// `action` is text in the database; only recordAudit writes it, always from AUDIT_ACTIONS.
export type AuditRow = {
  id: number;
  action: AuditAction;
  actorUserId: string | null;
  actorEmail: string | null;
  actorKeyId: string | null;
  actorKeyPrefix: string | null;
  target: string | null;
  details: Record<string, unknown>;
  ip: string | null;
  createdAt: Date;
};

/** Newest first. The actor's email and key prefix are joined in so the log reads without lookups. */
export async function listAudit(db: Database, input: ListAuditInput): Promise<Page<AuditRow>> {
  const filters: SQL[] = [];
  if (input.action) filters.push(eq(auditLog.action, input.action));
  if (input.actorUserId) filters.push(eq(auditLog.actorUserId, input.actorUserId));
  if (input.before) filters.push(lt(auditLog.createdAt, input.before));
  if (input.after) filters.push(gte(auditLog.createdAt, input.after));
  const where = filters.length ? and(...filters) : undefined;
  const [items, [total]] = await Promise.all([
    db
      .select(auditColumns)
      .from(auditLog)
      .leftJoin(users, eq(users.id, auditLog.actorUserId))
      .leftJoin(apiKeys, eq(apiKeys.id, auditLog.actorKeyId))
      .where(where)
      .orderBy(desc(auditLog.createdAt), desc(auditLog.id))
      .limit(input.limit)
      .offset(input.offset),
    db.select({ n: count() }).from(auditLog).where(where),
  ]);
  return { items: items as AuditRow[], total: total?.n ?? 0, limit: input.limit, offset: input.offset };
}
