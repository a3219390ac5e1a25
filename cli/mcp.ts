import { randomUUID } from 'node:crypto';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { isAppError } from '../server/errors';
import { createLogger, type Logger, type LogLevel } from '../server/logger';
import { plainErrorMessage } from '../server/mcp/errors';
import { buildMcpServer } from '../server/mcp/server';
import type { Runtime } from '../server/runtime/runtime';
import type { Dispatch } from '../server/schemas/job-events';
import { CliError, UsageError } from './errors';
import type { RemoteBackend } from './remote-backend';

export { CliError };

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
  const transport = new StdioServerTransport();
  // Errors the SDK makes would reach the client as "MCP error -32602: MCP error -32602: …".
  const send = transport.send.bind(transport);
  transport.send = (message) => send(plainErrorMessage(message));
  await server.connect(transport);
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
 * The key is looked up again for every call, as an HTTP request's would be.
 */
export async function runMcp(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const url = env.ARCHON_URL?.trim();
  const apiKey = env.ARCHON_API_KEY?.trim() || undefined;
  // A usage mistake (exit 2), as for every other command that is given a URL without a key.
  if (url && !apiKey)
    // The URL may come from ARCHON_URL or from --url: the message names neither wrongly.
    throw new UsageError(
      `Archon's address is set (${url}), so ARCHON_API_KEY must be too: create a key in the dashboard (read scope is enough to search).`,
    );
  keepStdoutForProtocol();
  if (url) return serveRemote(url, apiKey!, env);
  return serveLocal(apiKey, env);
}

/**
 * The remote Archon at ARCHON_URL, checked: the URL names Archon (not its
 * /mcp endpoint), it answers, and it takes the key. Every failure is one
 * CliError naming the URL once.
 */
export async function connectRemote(
  url: string,
  apiKey: string,
): Promise<{ backend: RemoteBackend; me: Awaited<ReturnType<RemoteBackend['whoAmI']>> }> {
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) throw new CliError(`ARCHON_URL must be an http:// or https:// URL, got ${url}`);
  const parsed = new URL(url);
  if (/\/mcp\/?$/.test(parsed.pathname)) {
    const base = `${parsed.origin}${parsed.pathname.replace(/\/mcp\/?$/, '')}`;
    throw new CliError(`ARCHON_URL is Archon's address, not its MCP endpoint: set it to ${base} (without /mcp).`);
  }
  const { createRemoteBackend } = await import('./remote-backend');
  const backend = createRemoteBackend({ url, apiKey });
  try {
    return { backend, me: await backend.whoAmI() };
  } catch (err) {
    await backend.close();
    if (!isAppError(err)) throw new CliError(`Cannot use Archon at ${url}: ${(err as Error).message}`);
    if (err.code === 'UNAUTHORIZED') throw new CliError(`${url} refused ARCHON_API_KEY: it is revoked, expired or mistyped.`);
    // The backend's own wording already names the URL ("Cannot reach Archon at …: …").
    throw new CliError(err.message.includes(url.replace(/\/+$/, '')) ? err.message : `Cannot use Archon at ${url}: ${err.message}`);
  }
}

async function serveRemote(url: string, apiKey: string, env: NodeJS.ProcessEnv) {
  // Checked as the local mode's configuration checks it: pino would stop on an unknown level with a message about itself.
  const { ConfigError, configSchema } = await import('../server/config');
  const level = configSchema.shape.LOG_LEVEL.safeParse(env.LOG_LEVEL);
  if (!level.success) throw new CliError(new ConfigError([{ variable: 'LOG_LEVEL', message: level.error.issues[0]!.message }]).message, 'CONFIG');
  const logger = createLogger(env.LOG_LEVEL?.trim() ? (level.data as LogLevel) : 'warn');
  const { server, backend } = await buildRemoteServer(url, apiKey, logger);
  await serve(server, logger, () => backend.close());
}

/** The MCP server of `archon mcp` against a remote Archon: acting as the key, every tool a tRPC call there. Close the backend after. */
export async function buildRemoteServer(url: string, apiKey: string, logger: Logger): Promise<{ server: McpServer; backend: RemoteBackend }> {
  const { backend, me } = await connectRemote(url, apiKey);
  const server = buildMcpServer({
    version: (await import('./version')).cliVersion(),
    principal: { kind: me.kind as 'api-key', role: me.role as 'viewer', capabilities: me.capabilities as ('read' | 'write' | 'admin')[] },
    backendFor: () => backend,
    requestIdFor: () => randomUUID(),
    logger,
    session: { transport: 'stdio', mode: 'remote', idleTimeoutSeconds: null },
    startedAt: new Date(),
  });
  return { server, backend };
}

/**
 * The MCP server of `archon mcp` on the local database: acting as the
 * ARCHON_API_KEY key, looked up again on every call (so revoking it, its
 * expiry or its user's new role takes effect at once, as over HTTP), or else
 * as the owner.
 */
export async function buildLocalServer(runtime: Runtime, apiKey: string | undefined, dispatch: Dispatch): Promise<McpServer> {
  const [{ resolveApiKey }, { SYSTEM_PRINCIPAL }, { createKeyBackend, createLocalBackend }] = await Promise.all([
    import('../server/services/auth/api-keys'),
    import('../server/services/auth/principal'),
    import('../server/mcp/local-backend'),
  ]);
  const principal = apiKey ? await resolveApiKey(runtime.database.db, apiKey) : SYSTEM_PRINCIPAL;
  if (!principal) {
    throw new CliError(
      'ARCHON_API_KEY is not a valid key of this database: it is revoked, expired or mistyped (leave it unset to act as the local owner).',
    );
  }
  const backend = apiKey
    ? createKeyBackend({ runtime, apiKey, transport: 'internal', dispatch })
    : createLocalBackend({ runtime, actor: { principal, ip: null }, transport: 'internal', dispatch });
  return buildMcpServer({
    version: runtime.version,
    principal,
    backendFor: () => backend,
    requestIdFor: () => randomUUID(),
    logger: runtime.logger,
    session: { transport: 'stdio', mode: 'local', idleTimeoutSeconds: null },
    startedAt: runtime.startedAt,
  });
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
    // Settings checked only together, as the providers are built (QUERY_REWRITE or CONTEXTUAL_EMBEDDINGS without a chat model).
    if (err instanceof ConfigError) throw new CliError(err.message);
    if (err instanceof DatabaseSetupError) {
      const held = /in use by another Archon process/.test(err.message);
      throw new CliError(
        `${err.message.replace(/\s+/g, ' ')}${held ? ' Or leave it running and point archon mcp at it: set ARCHON_URL and ARCHON_API_KEY.' : ''}`,
      );
    }
    throw err;
  }
  const server = await buildLocalServer(runtime, apiKey, dispatch).catch(async (err: unknown) => {
    await runtime.close();
    throw err;
  });
  setRuntime(runtime);
  if (resolveRunnerMode(env) === 'local') await startLocalRunner(runtime);
  logger.info(`archon mcp: serving ${runtime.database.mode === 'embedded' ? runtime.database.location : 'the PostgreSQL database'} over stdio`);
  await serve(server, logger, () => runtime.close());
}
