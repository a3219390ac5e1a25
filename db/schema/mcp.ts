import { index, jsonb, pgTable, timestamp, uuid } from 'drizzle-orm/pg-core';
import { apiKeys, users } from './accounts';
import { createdAt } from './columns';

/**
 * Sessions of the MCP endpoint (`Mcp-Session-Id`). The row, not a process's
 * memory, is the session: any Archon process on the database rebuilds it on
 * demand by replaying the stored initialize request, so a client's requests
 * may reach any process. A closed session (DELETE, key revoked, idle too long)
 * is answered 404 everywhere.
 */
export const mcpSessions = pgTable(
  'mcp_sessions',
  {
    id: uuid('id').primaryKey(),
    keyId: uuid('key_id')
      .notNull()
      .references(() => apiKeys.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** The client's initialize params (protocol version, capabilities, client info), replayed to rebuild the session. */
    initParams: jsonb('init_params').$type<Record<string, unknown>>().notNull(),
    createdAt: createdAt(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull().defaultNow(),
    closedAt: timestamp('closed_at', { withTimezone: true }),
  },
  (t) => [
    index('mcp_sessions_key_idx').on(t.keyId),
    index('mcp_sessions_user_idx').on(t.userId),
    index('mcp_sessions_last_seen_idx').on(t.lastSeenAt),
  ],
);
