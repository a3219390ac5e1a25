import { z } from 'zod';
import { defineTool, READ_ONLY, type ToolDef } from './tool';

const healthCheck = defineTool({
  name: 'health_check',
  access: 'read',
  description: "Archon's status: version, database, migrations.",
  input: z.strictObject({}),
  output: z.looseObject({ status: z.string(), version: z.string() }),
  annotations: READ_ONLY,
  run: async (_args, { backend }) => {
    const h = await backend.health();
    const data = {
      status: h.status,
      version: h.version,
      uptimeSeconds: h.uptimeSeconds,
      database: { mode: h.database.mode, reachable: h.database.reachable, serverVersion: h.database.serverVersion, pgvector: h.database.pgvector },
      migrationsCurrent: h.migrations?.current ?? null,
    };
    const db = h.database.reachable ? `${h.database.mode} database reachable (PostgreSQL ${h.database.serverVersion})` : 'database unreachable';
    return { data, text: `Archon ${h.version}: ${h.status}; ${db}; migrations ${data.migrationsCurrent ? 'current' : 'not current'}.` };
  },
});

const sessionInfo = defineTool({
  name: 'session_info',
  access: 'read',
  description: 'This connection: who it acts as, transport, session id and timeout.',
  input: z.strictObject({}),
  output: z.looseObject({ sessionId: z.string().nullable(), transport: z.string(), caller: z.looseObject({ capabilities: z.array(z.string()) }) }),
  annotations: READ_ONLY,
  run: async (_args, { backend, extra, session, startedAt }) => {
    const me = await backend.whoAmI();
    const data = {
      sessionId: extra.sessionId ?? null,
      transport: session.transport,
      mode: session.mode,
      caller: { kind: me.kind, role: me.role, email: me.email, capabilities: me.capabilities },
      activeSessions: session.activeSessions ? await session.activeSessions() : null,
      idleTimeoutSeconds: session.idleTimeoutSeconds,
      serverUptimeSeconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
    };
    const who = `${me.kind === 'system' ? 'the local system (owner rights)' : `${me.email ?? 'a key'} (${me.role})`}, may ${me.capabilities.join('/')}`;
    const text =
      `Acting as ${who}. Transport ${data.transport} (${data.mode})` +
      `${data.sessionId ? `, session ${data.sessionId}` : ''}${data.activeSessions !== null ? `, ${data.activeSessions} open session(s) for this key` : ''}` +
      `${data.idleTimeoutSeconds ? `, idle sessions end after ${data.idleTimeoutSeconds / 3600} h` : ''}.`;
    return { data, text };
  },
});

export const systemTools: ToolDef[] = [healthCheck, sessionInfo];
