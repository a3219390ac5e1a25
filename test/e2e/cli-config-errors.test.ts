import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startDocsSite } from '../fixtures/docs-site';
import { runArchon, tempDirs } from '../helpers/cli-process';

/**
 * Environment values `archon` is given as people write them: a bad one stops
 * it with a message naming the variable (README, Configuration), never an
 * "unexpected error" and never a start that fails later, request by request.
 */

const temp = tempDirs();
const tempDir = temp.make;
const run = (args: string[], env: Record<string, string>, opts: { until?: RegExp; timeoutMs?: number } = {}) => runArchon(args, { env, ...opts });

afterAll(temp.removeAll);

describe('archon mcp against a remote Archon, with a bad LOG_LEVEL', () => {
  it('says which variable is wrong, as the local mode does, not "unexpected error" from the logger', async () => {
    const env = { ARCHON_URL: 'http://127.0.0.1:9', ARCHON_API_KEY: `ak_000000000000_${'x'.repeat(43)}`, LOG_LEVEL: 'verbose' };
    const remote = await run(['mcp'], env);
    const local = await run(['mcp'], { ARCHON_DATA_DIR: tempDir('cli-loglevel-'), LOG_LEVEL: 'verbose' });
    expect(local).toMatchObject({ code: 1, stderr: expect.stringMatching(/LOG_LEVEL: /) });
    expect({ code: remote.code, stderr: remote.stderr }).toEqual({ code: 1, stderr: local.stderr });
  });
});

describe('archon on the local database with a chat-model feature and no chat model', () => {
  it('says which variable is wrong, in one line for commands and for archon mcp, not "unexpected error"', async () => {
    const dataDir = tempDir('cli-chat-');
    const search = await run(['search', 'widgets'], { ARCHON_DATA_DIR: dataDir, EMBEDDING_DIMENSIONS: '64', QUERY_REWRITE: 'both' });
    expect({ code: search.code, stderr: search.stderr }).toEqual({
      code: 1,
      stderr: expect.stringMatching(/^archon: Invalid configuration: QUERY_REWRITE: needs CHAT_MODEL and CHAT_BASE_URL .*\n$/),
    });
    expect(search.stderr).not.toMatch(/unexpected error/);
    const mcp = await run(['mcp'], { ARCHON_DATA_DIR: dataDir, EMBEDDING_DIMENSIONS: '64', CONTEXTUAL_EMBEDDINGS: 'true' });
    expect(mcp.code).toBe(1);
    expect(mcp.stderr).toMatch(/^archon: Invalid configuration:\n {2}CONTEXTUAL_EMBEDDINGS: needs CHAT_MODEL/);
    expect(mcp.stderr).not.toMatch(/unexpected error/);
  });
});

describe('archon crawl with a CRAWL_USER_AGENT holding a character no HTTP header may carry', () => {
  it('is refused naming the variable, rather than every page of every crawl failing on its header', async () => {
    const site = await startDocsSite();
    try {
      const r = await run(['crawl', `${site.url}/docs/`, '--max-pages', '3'], {
        ARCHON_DATA_DIR: tempDir('cli-agent-'),
        EMBEDDING_DIMENSIONS: '64',
        CRAWL_ALLOWED_HOSTS: site.host,
        // An en dash, as a word processor or a web page writes it.
        CRAWL_USER_AGENT: 'DocsBot/1.0 – docs team',
      });
      expect({ code: r.code, stderr: r.stderr, stdout: r.stdout }).toEqual({
        code: 1,
        stderr: expect.stringMatching(/^archon: Invalid configuration: CRAWL_USER_AGENT: /),
        stdout: '',
      });
    } finally {
      await site.close();
    }
  });
});

describe('archon start with ARCHON_PUBLIC_URL set to a bare host name', () => {
  it('stops at once naming the variable, rather than failing every browser request with an internal error', async () => {
    const started = await run(
      ['start', '--port', '0', '--no-build'],
      { ARCHON_DATA_DIR: tempDir('cli-public-url-'), EMBEDDING_DIMENSIONS: '64', ARCHON_PUBLIC_URL: 'archon.example.com', LOG_LEVEL: 'warn' },
      { until: /is ready at (http:\/\/127\.0\.0\.1:\d+)/, timeoutMs: 120_000 },
    );
    if (started.matched) {
      // It started: a sign-in from the dashboard (a browser sends Origin with every POST) is what goes wrong.
      const login = await fetch(`${started.matched}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: started.matched },
        body: JSON.stringify({ email: 'someone@example.com', password: 'a long enough password 1' }),
      });
      started.kill?.();
      expect.fail(`it started with ARCHON_PUBLIC_URL=archon.example.com, and a sign-in from its own page got ${login.status}`);
    }
    expect(started.code).toBe(1);
    expect(started.stderr).toMatch(/ARCHON_PUBLIC_URL: must be an http:\/\/ or https:\/\/ URL/);
  });
});

describe('archon migrate --check on a data directory with no database yet', () => {
  it('reports every migration pending and exits 1, without creating the database it checks', async () => {
    const dataDir = path.join(tempDir('cli-check-'), 'not-yet');
    const checked = await run(['migrate', '--check'], { ARCHON_DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
    expect(checked.stderr).toBe('');
    expect(checked.stdout).toMatch(/^the embedded database in .+not-yet.pglite \(not created yet\): \d+ migration\(s\) pending: 0000_/);
    expect(checked.code).toBe(1);
    expect(fs.existsSync(dataDir)).toBe(false);
    // Applying them creates it, and the check then finds it current.
    expect((await run(['migrate'], { ARCHON_DATA_DIR: dataDir, LOG_LEVEL: 'warn' })).code).toBe(0);
    expect(await run(['migrate', '--check'], { ARCHON_DATA_DIR: dataDir, LOG_LEVEL: 'warn' })).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/up to date/),
    });
  });
});
