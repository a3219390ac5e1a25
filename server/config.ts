import { z } from 'zod';
import { DEFAULT_EF_SEARCH } from '../db/session-settings';
import { DEFAULT_HNSW, MAX_INDEXED_DIMENSIONS } from '../db/vector-index';
import { parseAllowedHost } from './services/crawl/ssrf';

const emptyToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const str = () => z.preprocess(emptyToUndefined, z.string().optional());
const int = (def: number, min: number, max: number) => z.preprocess(emptyToUndefined, z.coerce.number().int().min(min).max(max).default(def));
const bool = (def: boolean) =>
  z.preprocess(
    emptyToUndefined,
    z
      .enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off'], { message: 'expected true or false' })
      .default(def ? 'true' : 'false')
      .transform((v) => ['1', 'true', 'yes', 'on'].includes(v)),
  );

/** Every environment variable Archon reads. Documented in the README's configuration table. */
export const configSchema = z.object({
  NODE_ENV: z.preprocess(emptyToUndefined, z.enum(['development', 'production', 'test']).default('production')),
  HOST: z.preprocess(emptyToUndefined, z.string().default('127.0.0.1')),
  PORT: int(3737, 0, 65535),
  DATABASE_URL: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional(),
  ),
  DATABASE_POOL_MAX: int(10, 1, 200),
  ARCHON_DATA_DIR: z.preprocess(emptyToUndefined, z.string().default('./.data')),
  EMBEDDING_DIMENSIONS: int(1536, 1, MAX_INDEXED_DIMENSIONS),
  /** HNSW build parameters; they apply when the index for a dimension is first created. */
  HNSW_M: int(DEFAULT_HNSW.m, 2, 100),
  HNSW_EF_CONSTRUCTION: int(DEFAULT_HNSW.efConstruction, 4, 1000),
  HNSW_EF_SEARCH: int(DEFAULT_EF_SEARCH, 1, 1000),
  SHUTDOWN_TIMEOUT_MS: int(10_000, 0, 600_000),
  LOG_LEVEL: z.preprocess(emptyToUndefined, z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info')),
  /** `json` (one object per line) or `pretty`; unset: pretty in development on a terminal, JSON otherwise. */
  LOG_FORMAT: z.preprocess(emptyToUndefined, z.enum(['json', 'pretty']).optional()),
  WS_MAX_PAYLOAD_BYTES: int(1_048_576, 1024, 100 * 1_048_576),
  /** Lets a Prometheus scraper read /api/metrics with this bearer token instead of an admin API key. */
  METRICS_TOKEN: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .min(16, 'must be at least 16 characters')
      // It is presented as `Authorization: Bearer <token>`, which ends at the first space.
      .regex(/^\S+$/, 'must not contain spaces: it is sent as a bearer token')
      .optional(),
  ),
  /** Read as a URL by every origin check: a bare host name would fail each browser request rather than the start. */
  ARCHON_PUBLIC_URL: z.preprocess(
    emptyToUndefined,
    z.url({ protocol: /^https?$/, message: 'must be an http:// or https:// URL, such as https://archon.example.com' }).optional(),
  ),
  /** Behind a reverse proxy: take the client address from X-Forwarded-For (otherwise anyone could claim any address). */
  TRUST_PROXY: bool(false),
  /** Calls per minute per API key or user; over it the answer is 429 with Retry-After. */
  RATE_LIMIT_SEARCH_PER_MINUTE: int(600, 1, 1_000_000),
  RATE_LIMIT_CRAWL_PER_MINUTE: int(30, 1, 1_000_000),
  RATE_LIMIT_UPLOAD_PER_MINUTE: int(30, 1, 1_000_000),
  /** MCP sessions a key may open per minute (each holds a server in memory while it is used). */
  RATE_LIMIT_MCP_SESSIONS_PER_MINUTE: int(30, 1, 1_000_000),

  // Accounts and secrets.
  /** Encrypts stored provider keys (at least 32 characters). Unset with the embedded database: generated in the data directory. */
  ARCHON_SECRET: z.preprocess(emptyToUndefined, z.string().min(32, 'must be at least 32 characters').optional()),
  /** Comma-separated earlier values of ARCHON_SECRET, still accepted for decryption while rotating. */
  ARCHON_SECRET_PREVIOUS: str(),
  /** Creates the owner account on first start instead of the dashboard's setup page. */
  ARCHON_OWNER_EMAIL: z.preprocess(emptyToUndefined, z.email('must be an email address').optional()),
  ARCHON_OWNER_PASSWORD: str(),
  /** Registers this admin key for the owner (ak_<12 hex>_<43 base64url>); for automation that needs a key known in advance. */
  ARCHON_OWNER_API_KEY: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^ak_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/, 'must look like ak_<12 hex digits>_<43 base64url characters>')
      .optional(),
  ),

  // Background jobs: the local runner unless an Inngest server is configured.
  ARCHON_RUNNER: z.preprocess(emptyToUndefined, z.enum(['local', 'inngest']).optional()),
  RUNNER_SLOTS: int(4, 1, 64),
  /** How long a run claimed by a process that died stays blocked before another process takes it over. */
  RUNNER_LEASE_MS: int(30_000, 500, 600_000),
  // Read by the Inngest SDK itself; named here so that they are checked, documented and redacted from logs.
  /** `1`, or the dev server's URL: an Inngest dev server runs the jobs (no signing). */
  INNGEST_DEV: str(),
  /** The Inngest server (self-hosted or Cloud): events go to <url>/e/<event key>, registration to <url>/fn/register. */
  INNGEST_BASE_URL: z.preprocess(emptyToUndefined, z.url({ message: 'must be a URL' }).optional()),
  INNGEST_EVENT_KEY: str(),
  /** Signs the server's calls to /api/inngest and Archon's registration (signkey-<env>-<hex>, or the server's hex key). */
  INNGEST_SIGNING_KEY: str(),
  /** The previous signing key, still accepted while rotating. */
  INNGEST_SIGNING_KEY_FALLBACK: str(),
  /** The origin the Inngest server calls Archon back on, when it differs from what the registration request came to (containers). */
  INNGEST_SERVE_ORIGIN: z.preprocess(emptyToUndefined, z.url({ message: 'must be a URL' }).optional()),

  // Uploads: a file over the size limit is rejected on its own; a request over the count limit as a whole.
  UPLOAD_MAX_FILE_BYTES: int(50 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
  UPLOAD_MAX_FILES: int(100, 1, 1000),

  // Embeddings: any OpenAI-compatible endpoint; with neither key nor URL, the offline embedder.
  EMBEDDING_BASE_URL: z.preprocess(emptyToUndefined, z.url({ message: 'must be a URL' }).optional()),
  EMBEDDING_API_KEY: str(),
  OPENAI_API_KEY: str(),
  EMBEDDING_MODEL: str(),
  EMBEDDING_SEND_DIMENSIONS: z.preprocess(
    emptyToUndefined,
    z
      .enum(['true', 'false', '1', '0'])
      .optional()
      .transform((v) => (v === undefined ? undefined : v === 'true' || v === '1')),
  ),
  EMBEDDING_BATCH_SIZE: int(100, 1, 2048),
  EMBEDDING_CONCURRENCY: int(2, 1, 32),

  // Chat model (OpenAI-compatible), used by contextual embeddings and, later, summaries.
  CHAT_BASE_URL: z.preprocess(emptyToUndefined, z.url({ message: 'must be a URL' }).optional()),
  CHAT_API_KEY: str(),
  CHAT_MODEL: str(),
  CONTEXTUAL_EMBEDDINGS: bool(false),
  CONTEXTUAL_CONCURRENCY: int(3, 1, 32),

  // Reranking (off by default): a /rerank endpoint (Cohere, Jina, TEI) or an OpenAI-compatible chat model.
  RERANK_PROVIDER: z.preprocess(emptyToUndefined, z.enum(['none', 'endpoint', 'chat']).default('none')),
  RERANK_BASE_URL: z.preprocess(emptyToUndefined, z.url({ message: 'must be a URL' }).optional()),
  RERANK_API_KEY: str(),
  RERANK_MODEL: str(),
  RERANK_CANDIDATES: int(20, 2, 100),
  // Query rewriting (off by default): before searching, the chat model (CHAT_*) rewrites the query in the documentation's
  // words (rewrite), writes a short answer passage embedded for the vector side (hyde), or both; on failure or timeout, plain search.
  QUERY_REWRITE: z.preprocess(emptyToUndefined, z.enum(['off', 'rewrite', 'hyde', 'both']).default('off')),
  QUERY_REWRITE_TIMEOUT_MS: int(3000, 200, 60_000),

  // Crawling: the SSRF guard refuses private and loopback addresses unless allowed here.
  CRAWL_ALLOW_PRIVATE_NETWORK: bool(false),
  CRAWL_ALLOWED_HOSTS: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .default('')
      .transform((v) =>
        v
          .split(',')
          .map((h) => h.trim())
          .filter(Boolean),
      )
      .superRefine((hosts, ctx) => {
        for (const host of hosts) {
          try {
            parseAllowedHost(host);
          } catch (err) {
            ctx.addIssue({ code: 'custom', message: (err as Error).message });
          }
        }
      }),
  ),
  CRAWL_USER_AGENT: z.preprocess(
    emptyToUndefined,
    z
      .string()
      // Sent as the User-Agent header, which Node refuses to send with other characters (an en dash, an emoji): every fetch failed.
      .regex(/^[\t\x20-\x7e\x80-\xff]*$/, 'may hold only Latin-1 characters (no – or emoji): it is sent as the User-Agent header')
      .default('ArchonBot/0.1 (+https://github.com/coleam00/Archon)'),
  ),
});

export type Config = z.infer<typeof configSchema>;

/** Settings whose values are secrets: the logger redacts them wherever they would appear. */
const SECRET_SETTINGS = [
  'ARCHON_SECRET',
  'ARCHON_OWNER_PASSWORD',
  'ARCHON_OWNER_API_KEY',
  'EMBEDDING_API_KEY',
  'OPENAI_API_KEY',
  'CHAT_API_KEY',
  'RERANK_API_KEY',
  'METRICS_TOKEN',
  'INNGEST_EVENT_KEY',
  'INNGEST_SIGNING_KEY',
  'INNGEST_SIGNING_KEY_FALLBACK',
] as const;

/** The secret values of a configuration (or of the raw environment), for the logger to redact. */
export function secretValues(config: Partial<Record<string, unknown>>): string[] {
  const values = SECRET_SETTINGS.map((name) => config[name]).filter((v): v is string => typeof v === 'string');
  if (typeof config.ARCHON_SECRET_PREVIOUS === 'string') values.push(...config.ARCHON_SECRET_PREVIOUS.split(',').map((v) => v.trim()));
  if (typeof config.DATABASE_URL === 'string') {
    try {
      const password = decodeURIComponent(new URL(config.DATABASE_URL).password);
      if (password) values.push(password);
    } catch {
      // Not a URL: the schema refuses it anyway.
    }
  }
  return values.filter(Boolean);
}

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: { variable: string; message: string }[]) {
    super(
      `Invalid configuration:\n${problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n')}\n` +
        'Fix these environment variables and start again (see the configuration table in README.md).',
    );
  }
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => ({ variable: String(issue.path[0] ?? '?'), message: issue.message })));
  }
  // OPENAI_API_KEY stands in for both keys here, once, so that it follows the
  // same rule as they do: a base URL saved in the dashboard never gets it.
  const config = parsed.data;
  return {
    ...config,
    EMBEDDING_API_KEY: config.EMBEDDING_API_KEY ?? config.OPENAI_API_KEY,
    CHAT_API_KEY: config.CHAT_API_KEY ?? config.OPENAI_API_KEY,
  };
}
