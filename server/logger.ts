import { AsyncLocalStorage } from 'node:async_hooks';
import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import pino, { type DestinationStream } from 'pino';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
export type LogFormat = 'json' | 'pretty';

export type Logger = {
  debug(msg: string, extra?: Record<string, unknown>): void;
  info(msg: string, extra?: Record<string, unknown>): void;
  warn(msg: string, extra?: Record<string, unknown>): void;
  error(msg: string, extra?: Record<string, unknown>): void;
};

/**
 * What a line says about where it was written: the request and who made it,
 * or the job and the run executing it. Transports and the job middleware set
 * it around the work they start, so call sites need not pass it.
 */
export type LogContext = {
  requestId?: string;
  userId?: string | null;
  keyId?: string | null;
  procedure?: string;
  jobId?: string;
  runId?: string;
  function?: string;
};

// Next bundles route handlers apart from the custom server: one store per process, kept on globalThis.
const STORE = Symbol.for('archon.logContext');
const SECRETS = Symbol.for('archon.logSecrets');
const COUNTS = Symbol.for('archon.logCounts');
type Counts = Record<Exclude<LogLevel, 'silent'>, number>;
type Holder = { [STORE]?: AsyncLocalStorage<LogContext>; [SECRETS]?: Set<string>; [COUNTS]?: Counts };
const holder = globalThis as Holder;
const storage = (holder[STORE] ??= new AsyncLocalStorage<LogContext>());
const knownSecrets = (holder[SECRETS] ??= new Set<string>());
const written = (holder[COUNTS] ??= { debug: 0, info: 0, warn: 0, error: 0 });

/** Lines written by this process so far, by level (the metrics endpoint reports errors and warnings from it). */
export const loggedLines = (): Readonly<Counts> => ({ ...written });

/** Runs `fn` with these fields added to every line logged within it (and the work it starts). */
export function withLogContext<T>(fields: LogContext, fn: () => T): T {
  const store: LogContext = { ...storage.getStore() };
  for (const [k, v] of Object.entries(fields)) if (v !== undefined && v !== null) (store as Record<string, unknown>)[k] = v;
  return storage.run(store, fn);
}

/**
 * Adds fields to the context already running, from where they become known
 * (who is calling is known only once credentials are read). Outside any
 * context it does nothing.
 */
export function addToLogContext(fields: LogContext): void {
  const store = storage.getStore();
  if (!store) return;
  for (const [k, v] of Object.entries(fields)) if (v !== undefined && v !== null) (store as Record<string, unknown>)[k] = v;
}

/** The fields lines logged here would carry. */
export const currentLogContext = (): LogContext => storage.getStore() ?? {};

// Shorter values would redact ordinary words; real secrets are longer.
const MIN_SECRET_LENGTH = 8;

/** Values that must never appear in a line (configured keys and passwords); each is replaced wherever it occurs. */
export function registerSecrets(values: Iterable<string | null | undefined>): void {
  for (const v of values) if (v && v.length >= MIN_SECRET_LENGTH) knownSecrets.add(v);
}

const REDACTED = '[redacted]';
/** Fields whose values are secrets by their name; harmless ones say `keyId`, `keyPrefix` or `tokens` (a number). */
const SECRET_FIELD = /pass(word)?$|secret|token$|api[-_]?key|authorization|cookie|signing[-_]?key|event[-_]?key|credential/i;
/** Secrets recognisable by their shape, wherever they occur in text. */
const SECRET_SHAPES: [RegExp, string][] = [
  [/\b(ak_[0-9a-f]{12}_)[A-Za-z0-9_-]{20,}/g, `$1${REDACTED}`], // Archon API keys keep their visible prefix
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, `$1 ${REDACTED}`],
  [/\b(sk|rk|pk)-[A-Za-z0-9_-]{16,}/g, REDACTED], // OpenAI-style provider keys
  [/\bsignkey-[a-z]+-[0-9a-f]{16,}/gi, REDACTED], // Inngest signing keys
  [/([a-z][a-z0-9+.-]*:\/\/[^/\s:@]*):[^@\s/]+@/gi, `$1:${REDACTED}@`], // passwords in URLs
];
const MAX_DEPTH = 6;

function scrubText(text: string): string {
  let out = text;
  for (const secret of knownSecrets) if (out.includes(secret)) out = out.replaceAll(secret, REDACTED);
  for (const [shape, replacement] of SECRET_SHAPES) out = out.replace(shape, replacement);
  return out;
}

function errorFields(err: Error, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = { type: err.name, message: scrubText(err.message) };
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') out.code = code;
  if (err.stack) out.stack = scrubText(err.stack);
  if (err.cause !== undefined && depth < MAX_DEPTH) out.cause = scrub(err.cause, depth + 1);
  return out;
}

/** A copy of a line's fields with every secret taken out: by field name, by known value, by shape. */
function scrub(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (value === null || typeof value !== 'object') return typeof value === 'bigint' ? value.toString() : value;
  if (value instanceof Error) return errorFields(value, depth);
  if (value instanceof Date) return value.toISOString();
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  if (value instanceof Headers) value = Object.fromEntries(value);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] =
      SECRET_FIELD.test(k) && v !== null && v !== undefined && typeof v !== 'number' && typeof v !== 'boolean' ? REDACTED : scrub(v, depth + 1);
  }
  return out;
}

export type LoggerOptions = {
  /** Where lines go (tests); by default standard error, which keeps standard output free for `archon mcp` and the ready line. */
  write?: (line: string) => unknown;
  /** `pretty` for people (colours, one line each), `json` for machines. By default pretty only in development on a terminal. */
  format?: LogFormat;
  /** Values to redact from every line, such as the configuration's keys (see registerSecrets). */
  secrets?: Iterable<string | null | undefined>;
};

function prettyStream(write: ((line: string) => unknown) | undefined): DestinationStream | null {
  try {
    // Loaded only when asked for: production never pays for it.
    const pretty = createRequire(import.meta.url)('pino-pretty') as (opts: Record<string, unknown>) => DestinationStream;
    return pretty({
      colorize: !write && process.stderr.isTTY === true,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname',
      singleLine: true,
      sync: true,
      destination: write
        ? new Writable({
            write(chunk: Buffer, _encoding, done) {
              write(chunk.toString());
              done();
            },
          })
        : 2,
    });
  } catch {
    return null;
  }
}

function defaultFormat(): LogFormat {
  const asked = process.env.LOG_FORMAT?.trim();
  if (asked === 'json' || asked === 'pretty') return asked;
  return process.env.NODE_ENV === 'development' && process.stderr.isTTY === true ? 'pretty' : 'json';
}

/**
 * One JSON object per line (pino): time, level, message, the request's or
 * job's context (request id, user or key id, job id, run id), then the call's
 * fields. Secrets are taken out before anything is written. Errors are
 * written with their type, message, code and stack.
 */
export function createLogger(level: LogLevel = 'info', options: LoggerOptions | ((line: string) => unknown) = {}): Logger {
  const opts = typeof options === 'function' ? { write: options } : options;
  if (opts.secrets) registerSecrets(opts.secrets);
  const format = opts.format ?? defaultFormat();
  const stream: DestinationStream =
    (format === 'pretty' ? prettyStream(opts.write) : null) ??
    (opts.write ? { write: (line: string) => void opts.write!(line) } : { write: (line: string) => void process.stderr.write(line) });
  const base = pino(
    {
      level,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: () => storage.getStore() ?? {},
    },
    stream,
  );
  const log = (lvl: Exclude<LogLevel, 'silent'>) => (msg: string, extra?: Record<string, unknown>) => {
    if (!base.isLevelEnabled(lvl)) return;
    written[lvl] += 1;
    base[lvl](extra ? (scrub(extra) as Record<string, unknown>) : {}, scrubText(msg));
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}
