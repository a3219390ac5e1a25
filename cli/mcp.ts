import { randomUUID } from 'node:crypto';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createLogger, type Logger, type LogLevel } from '../server/logger';
import { buildMcpServer } from '../server/mcp/server';

export class CliError extends Error {
  override name = 'CliError';
}

/** stdout carries JSON-RPC and nothing else: whatever a library prints goes to stderr. */
function keepStdoutForProtocol() {
  const toStderr = (...args: unknown[]) => console.error(...args);
  console.log = toStderr;
  console.info = toStderr;
  console.debug = toStderr;
  console.warn = toStderr;
}

/** Serves until the client closes stdin or a signal arrives, then closes `cleanup` and exits. */
async function serve(server: McpServer, logger: Logger, cleanup: () => Promise<void>) {
  let stopping = false;
  const stop = (why: string) => {
    if (stopping) return;
    stopping = true;
    logger.debug(`archon mcp: stopping (${why})`);
    void (async () => {
      await server.close().catch(() => {});
      await cleanup().catch((err: unknown) => logger.error('archon mcp: shutdown failed', { error: err as Error }));
      process.exit(0);
    })();
  };
  process.stdin.once('end', () => stop('stdin closed'));
  process.stdin.once('close', () => stop('stdin closed'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  await server.connect(new StdioServerTransport());
}

/**
 * `archon mcp`: the MCP tools over stdio.
 *
 * With ARCHON_URL (and ARCHON_API_KEY) it runs them against that Archon
 * through its tRPC API, with no database of its own. Otherwise it opens the
 * database exactly as `npm start` does (same variables, migrations, and the
 * embedded database's one-process lock) and runs a local job runner, so
 * crawls it starts make progress. Locally it acts as ARCHON_API_KEY's key
 * when one is given, else as the system (owner rights): whoever can open the
 * database's files or its DATABASE_URL can already read and change all of it.
 */
export async function runMcp(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  keepStdoutForProtocol();
  const url = env.ARCHON_URL?.trim();
  const apiKey = env.ARCHON_API_KEY?.trim() || undefined;
  if (url) {
    if (!apiKey)
      throw new CliError('ARCHON_URL is set, so ARCHON_API_KEY must be too: create a key in the dashboard (read scope is enough to search).');
    return serveRemote(url, apiKey, env);
  }
  return serveLocal(apiKey, env);
}

async function serveRemote(url: string, apiKey: string, env: NodeJS.ProcessEnv) {
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) throw new CliError(`ARCHON_URL must be an http:// or https:// URL, got ${url}`);
  const logger = createLogger((env.LOG_LEVEL as LogLevel) || 'warn');
  const { createRemoteBackend } = await import('./remote-backend');
  const backend = createRemoteBackend({ url, apiKey });
  let me: Awaited<ReturnType<typeof backend.whoAmI>>;
  try {
    me = await backend.whoAmI();
  } catch (err) {
    await backend.close();
    const code = (err as { code?: string }).code;
    throw new CliError(
      code === 'UNAUTHORIZED'
        ? `${url} refused ARCHON_API_KEY: it is revoked, expired or mistyped.`
        : `Cannot use Archon at ${url}: ${(err as Error).message}`,
    );
  }
  const server = buildMcpServer({
    version: (await import('./version')).cliVersion(),
    principal: { kind: me.kind as 'api-key', role: me.role as 'viewer', capabilities: me.capabilities as ('read' | 'write' | 'admin')[] },
    backendFor: () => backend,
    requestIdFor: () => randomUUID(),
    logger,
    session: { transport: 'stdio', mode: 'remote', idleTimeoutSeconds: null },
    startedAt: new Date(),
  });
  await serve(server, logger, () => backend.close());
}

async function serveLocal(apiKey: string | undefined, env: NodeJS.ProcessEnv) {
  // Loaded only here: the remote mode needs none of the database code.
  const [
    { ConfigError, loadConfig },
    { DatabaseSetupError },
    { startRuntime },
    { setRuntime },
    { resolveRunnerMode },
    { startLocalRunner },
    { dispatch },
  ] = await Promise.all([
    import('../server/config'),
    import('../db/errors'),
    import('../server/runtime/runtime'),
    import('../server/runtime/global'),
    import('../server/runner/mode'),
    import('../inngest/start-local-runner'),
    import('../inngest/dispatch'),
  ]);
  const [{ resolveApiKey }, { SYSTEM_PRINCIPAL }, { createLocalBackend }] = await Promise.all([
    import('../server/services/auth/api-keys'),
    import('../server/services/auth/principal'),
    import('../server/mcp/local-backend'),
  ]);
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.message);
    throw err;
  }
  const logger = createLogger(config.LOG_LEVEL);
  let runtime: Awaited<ReturnType<typeof startRuntime>>;
  try {
    runtime = await startRuntime(config, { logger });
  } catch (err) {
    if (err instanceof DatabaseSetupError) {
      const held = /in use by another Archon process/.test(err.message);
      throw new CliError(
        `${err.message.replace(/\s+/g, ' ')}${held ? ' Or leave it running and point archon mcp at it: set ARCHON_URL and ARCHON_API_KEY.' : ''}`,
      );
    }
    throw err;
  }
  const principal = apiKey ? await resolveApiKey(runtime.database.db, apiKey) : SYSTEM_PRINCIPAL;
  if (!principal) {
    await runtime.close();
    throw new CliError(
      'ARCHON_API_KEY is not a valid key of this database: it is revoked, expired or mistyped (leave it unset to act as the local owner).',
    );
  }
  setRuntime(runtime);
  if (resolveRunnerMode(env) === 'local') await startLocalRunner(runtime);
  const backend = createLocalBackend({ runtime, actor: { principal, ip: null }, transport: 'internal', dispatch });
  const server = buildMcpServer({
    version: runtime.version,
    principal,
    backendFor: () => backend,
    requestIdFor: () => randomUUID(),
    logger,
    session: { transport: 'stdio', mode: 'local', idleTimeoutSeconds: null },
    startedAt: runtime.startedAt,
  });
  logger.info(`archon mcp: serving ${runtime.database.mode === 'embedded' ? runtime.database.location : 'the PostgreSQL database'} over stdio`);
  await serve(server, logger, () => runtime.close());
}
