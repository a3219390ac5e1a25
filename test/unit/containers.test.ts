import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configSchema, loadConfig } from '../../server/config';
import { startCommand } from '../../server/start-command';

/**
 * The container files cannot run here (no Docker), so they are checked for
 * what would break a deployment: the services and how they reach each other,
 * ports, health checks, and every variable against the configuration schema.
 */

type Service = {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  volumes?: string[];
};

const composeText = fs.readFileSync('docker-compose.yml', 'utf8');
const compose = parse(composeText, { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const services = compose.services;
const envExample = fs.readFileSync('.env.example', 'utf8');
const dockerfile = fs.readFileSync('Dockerfile', 'utf8');
const schemaKeys = Object.keys(configSchema.shape);
/** Variables only docker compose reads (ports, image tag, its PostgreSQL's password). */
const COMPOSE_ONLY = ['POSTGRES_PASSWORD', 'ARCHON_HOST_PORT', 'INNGEST_HOST_PORT', 'INNGEST_IMAGE_TAG'];

/** .env.example as KEY → value, quotes taken off; comments and blank lines skipped. */
function readEnvFile(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!m) throw new Error(`.env.example line ${i + 1} is not KEY=value: ${raw}`);
    if (out.has(m[1]!)) throw new Error(`.env.example sets ${m[1]} twice`);
    out.set(m[1]!, m[2]!.replace(/^"(.*)"$/, '$1'));
  }
  return out;
}
const example = readEnvFile(envExample);

/** Compose's interpolation (${VAR}, ${VAR:-default}, ${VAR:?message}) with values from `env`. */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(/\$\{([A-Z0-9_]+)(?::([-?])([^}]*))?\}/g, (_, name: string, op?: string, arg?: string) => {
    const v = env[name];
    if (v) return v;
    if (op === '?') throw new Error(`${name} is required: ${arg}`);
    return op === '-' ? (arg ?? '') : '';
  });
}

const archonPort = (env: Record<string, string>) => env.PORT ?? '3737';
const containerPort = (mapping: string) => mapping.split(':').at(-1);

describe('docker-compose.yml', () => {
  it('runs PostgreSQL with pgvector, Archon, and a self-hosted Inngest server keeping its state in PostgreSQL', () => {
    expect(Object.keys(services).sort()).toEqual(['archon', 'inngest', 'postgres', 'redis']);
    expect(services.postgres!.image).toMatch(/^pgvector\/pgvector:pg1[5-9]$/);
    expect(services.archon!.build).toBe('.');
    expect(services.inngest!.image).toMatch(/^inngest\/inngest:/);
    expect(services.inngest!.command!.slice(0, 2)).toEqual(['inngest', 'start']);

    const inngestEnv = services.inngest!.environment!;
    const pg = new URL(interpolate(inngestEnv.INNGEST_POSTGRES_URI!, {}));
    expect(pg.hostname).toBe('postgres');
    // Its own database, which the init script creates next to Archon's.
    expect(pg.pathname).toBe('/inngest');
    const init = services.postgres!.volumes!.find((v) => v.includes('docker-entrypoint-initdb.d'))!;
    const initSql = fs.readFileSync(init.split(':')[0]!, 'utf8');
    expect(initSql).toMatch(/CREATE DATABASE inngest;/);
    expect(new URL(inngestEnv.INNGEST_REDIS_URI!).hostname).toBe('redis');
    expect(Object.keys(compose.volumes).sort()).toEqual(['postgres-data', 'redis-data']);
  });

  it('publishes Archon and the Inngest dashboard, the dashboard to this machine only', () => {
    const archonEnv = services.archon!.environment!;
    expect(services.archon!.ports!.map(containerPort)).toEqual([archonPort(archonEnv)]);
    const dashboard = services.inngest!.ports!;
    expect(dashboard.map(containerPort)).toEqual(['8288']);
    // The dashboard has no sign-in: it can replay and cancel every run.
    expect(dashboard[0]).toMatch(/^127\.0\.0\.1:/);
    expect(services.postgres!.ports).toBeUndefined();
  });

  it('gives every long-running service a health check, and starts Archon once PostgreSQL is healthy', () => {
    for (const name of ['postgres', 'redis', 'inngest', 'archon']) expect(services[name]!.healthcheck?.test.length, name).toBeGreaterThan(1);
    expect(services.archon!.healthcheck!.test.join(' ')).toContain(`127.0.0.1:${archonPort(services.archon!.environment!)}/api/health`);
    expect(fs.existsSync('app/api/health/route.ts')).toBe(true);
    expect(services.inngest!.healthcheck!.test.join(' ')).toContain('8288/health');
    expect(services.archon!.depends_on!.postgres!.condition).toBe('service_healthy');
    expect(services.inngest!.depends_on!.postgres!.condition).toBe('service_healthy');
  });

  it("sets only Archon's own settings on it, which load as a valid configuration pointing at the other services", () => {
    const archonEnv = services.archon!.environment!;
    for (const key of Object.keys(archonEnv)) expect(schemaKeys, key).toContain(key);
    // .env.example's values, with the secrets it leaves empty filled in.
    const values = { ...Object.fromEntries(example), ARCHON_SECRET: 'x'.repeat(48), INNGEST_EVENT_KEY: 'a1b2', INNGEST_SIGNING_KEY: 'c3d4' };
    const env = Object.fromEntries(Object.entries(archonEnv).map(([k, v]) => [k, interpolate(String(v), values)]));
    const config = loadConfig(env);
    expect(config.HOST).toBe('0.0.0.0');
    expect(config.ARCHON_RUNNER).toBe('inngest');
    expect(new URL(config.DATABASE_URL!).hostname).toBe('postgres');
    expect(new URL(config.DATABASE_URL!).pathname).toBe('/archon');
    expect(new URL(config.INNGEST_BASE_URL!).host).toBe('inngest:8288');
    // The Inngest server syncs the URL Archon tells it to call back.
    const syncUrl = services.inngest!.command![services.inngest!.command!.indexOf('-u') + 1];
    expect(syncUrl).toBe(`${config.INNGEST_SERVE_ORIGIN}/api/inngest`);
    expect(new URL(config.INNGEST_SERVE_ORIGIN!).port).toBe(String(config.PORT));
    // Both sides use the same keys.
    expect(archonEnv.INNGEST_SIGNING_KEY).toBe(services.inngest!.environment!.INNGEST_SIGNING_KEY);
    expect(archonEnv.INNGEST_EVENT_KEY).toBe(services.inngest!.environment!.INNGEST_EVENT_KEY);
    // Without the secrets, compose stops and says which to set.
    expect(() => interpolate(archonEnv.ARCHON_SECRET!, {})).toThrow(/ARCHON_SECRET is required/);
  });

  it('reads only variables that are settings or listed in .env.example', () => {
    const used = new Set([...composeText.matchAll(/\$\{([A-Z0-9_]+)/g)].map((m) => m[1]!));
    for (const name of used) {
      expect(schemaKeys.includes(name) || COMPOSE_ONLY.includes(name), name).toBe(true);
      expect([...example.keys()], name).toContain(name);
    }
    for (const name of COMPOSE_ONLY) expect([...used], name).toContain(name);
  });
});

describe('.env.example', () => {
  it('lists every setting of the configuration schema and nothing unknown', () => {
    expect([...example.keys()].filter((k) => !COMPOSE_ONLY.includes(k)).sort()).toEqual([...schemaKeys].sort());
  });

  it('gives each setting its default', () => {
    const settings = Object.fromEntries([...example].filter(([k]) => schemaKeys.includes(k)));
    expect(loadConfig(settings)).toEqual(loadConfig({}));
  });
});

describe('Dockerfile', () => {
  const stages = [...dockerfile.matchAll(/^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/gm)].map((m) => ({ image: m[1]!, name: m[2] }));
  const final = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));

  it('builds in one stage and runs from another, as an unprivileged user', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(final).toMatch(/COPY --from=build /);
    const user = [...final.matchAll(/^USER\s+(\S+)/gm)].at(-1)?.[1];
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    // Node's engines field is met.
    const wanted = Number(/^ARG NODE_VERSION=(\d+)/m.exec(dockerfile)?.[1]);
    expect(wanted).toBeGreaterThanOrEqual(20);
  });

  it('checks its health on the health endpoint, listens on the configured port, and starts the server', () => {
    expect(final).toMatch(/^HEALTHCHECK .*\n?.*\/api\/health/m);
    expect(final).toMatch(/^EXPOSE 3737$/m);
    expect(final).toMatch(/HOST=0\.0\.0\.0/);
    const cmd = /^CMD (\[.*\])$/m.exec(final)?.[1];
    // The server as `npm start` runs it: its Node flags, and its environment (glibc's malloc setting) set in the image.
    const start = startCommand();
    expect(JSON.parse(cmd!)).toEqual(['node', ...start.flags, '--import', 'tsx', 'server/index.ts']);
    for (const [name, value] of Object.entries(start.env)) expect(final, name).toMatch(new RegExp(`^\\s*(?:ENV\\s+)?${name}=${value}\\b`, 'm'));
    // What else the image sets are settings Archon knows (Next's telemetry switch aside).
    const set = [...final.matchAll(/^\s*(?:ENV\s+)?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]!);
    expect(set).toContain('HOST');
    for (const name of set) if (name !== 'NEXT_TELEMETRY_DISABLED' && !(name in start.env)) expect(schemaKeys, name).toContain(name);
  });

  it('leaves local dependencies, builds, data and secrets out of the build context', () => {
    const ignored = fs.readFileSync('.dockerignore', 'utf8').split('\n');
    for (const entry of ['node_modules', '.next', '.data', '.env', '.git']) expect(ignored, entry).toContain(entry);
    expect(ignored).toContain('!.env.example');
  });
});
