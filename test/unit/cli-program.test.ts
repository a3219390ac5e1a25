import { type Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { describeError } from '../../cli/describe';
import { CliError, UsageError } from '../../cli/errors';
import { runMcp } from '../../cli/mcp';
import { each, httpUrl, integer, list, uuid } from '../../cli/options';
import { formatBytes, formatDuration, type Output, table } from '../../cli/output';
import { buildProgram, exitCodeOf } from '../../cli/program';
import { createDisplay } from '../../cli/progress';
import { ArchonHttpError } from '../../packages/client/src/core';
import { rateLimited } from '../../server/services/security/rate-limit';

/** Parses a command line without running anything and without printing: what commander refused, or null. */
async function parse(args: string[]): Promise<{ error: CommanderError | null; out: string; err: string }> {
  const program = buildProgram();
  let out = '';
  let err = '';
  const quiet = (c: Command) => {
    c.configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (err += s) });
    // Actions are not run: every command's action is replaced by a no-op.
    if (c.commands.length === 0) c.action(() => {});
    for (const sub of c.commands) quiet(sub);
  };
  quiet(program);
  try {
    await program.parseAsync(['node', 'archon', ...args]);
    return { error: null, out, err };
  } catch (e) {
    if (e instanceof CommanderError) return { error: e, out, err };
    throw e;
  }
}

const allCommands = (c: Command, prefix: string[] = []): string[][] =>
  c.commands.flatMap((sub) => [[...prefix, sub.name()], ...allCommands(sub, [...prefix, sub.name()])]);

describe('archon command line', () => {
  it('has every command of the issue, each described, each answering --help with exit code 0', async () => {
    const names = allCommands(buildProgram()).map((p) => p.join(' '));
    for (const expected of [
      'start',
      'migrate',
      'status',
      'crawl',
      'upload',
      'search',
      'jobs list',
      'jobs watch',
      'jobs cancel',
      'sources list',
      'sources show',
      'sources refresh',
      'sources delete',
      'export',
      'import',
      'keys create',
      'keys list',
      'keys revoke',
      'mcp',
    ]) {
      expect(names).toContain(expected);
    }
    for (const path of allCommands(buildProgram())) {
      const { error, out } = await parse([...path, '--help']);
      expect(error?.code, path.join(' ')).toBe('commander.helpDisplayed');
      expect(exitCodeOf(error)).toBe(0);
      expect(out, path.join(' ')).toMatch(new RegExp(`^Usage: archon ${path.join(' ')}`));
    }
    const { out } = await parse(['--help']);
    expect(out).toContain('Exit codes: 0 ok, 1 failure, 2 usage');
  });

  it('refuses bad arguments as usage errors (exit code 2), naming what is wrong', async () => {
    const cases: [string[], RegExp][] = [
      [['crawl'], /missing required argument 'url'/],
      [['crawl', 'ftp://example.com'], /must be an http:\/\/ or https:\/\/ URL/],
      [['crawl', 'https://example.com', '--max-pages', '0'], /'--max-pages <n>' argument '0' is invalid\. must be from 1 to 100000/],
      [['crawl', 'https://example.com', '--max-depth', 'two'], /must be a whole number from 1 to 100/],
      [['crawl', 'https://example.com', '--mode', 'everything'], /Allowed choices are auto, single/],
      [['search'], /missing required argument 'query'/],
      [['jobs', 'watch', 'not-an-id'], /must be an id/],
      [['import', 'a', '--on-conflict', 'merge'], /Allowed choices are error, replace, copy/],
      [['keys', 'create', 'k', '--scope', 'root'], /'--scope <scope>' argument 'root' is invalid\. must be read, write or admin/],
      [['--url', 'http://127.0.0.1:3737/mcp', 'status'], /Archon's own address, not an endpoint: use http:\/\/127\.0\.0\.1:3737/],
      [['frobnicate'], /unknown command 'frobnicate'/],
      [['status', '--bogus'], /unknown option '--bogus'/],
    ];
    for (const [args, message] of cases) {
      const { error, err } = await parse(args);
      expect(error, args.join(' ')).toBeInstanceOf(CommanderError);
      expect(exitCodeOf(error), args.join(' ')).toBe(2);
      expect(err, args.join(' ')).toMatch(message);
      expect(err, args.join(' ')).toContain('(add --help for usage)');
    }
  });

  it('parses repeatable and numeric options', async () => {
    expect(integer(1, 10)('7')).toBe(7);
    expect(() => integer(1, 10)('1.5')).toThrow('must be a whole number from 1 to 10');
    expect(list('a, b', ['x'])).toEqual(['x', 'a', 'b']);
    expect(each('docs/**,v2', ['x'])).toEqual(['x', 'docs/**,v2']);
    expect(httpUrl('https://example.com/a')).toBe('https://example.com/a');
    expect(() => httpUrl('javascript:alert(1)')).toThrow();
    expect(uuid('0C3C6B0E-8A4E-4A5E-9A39-3B0F8F6F1D2A')).toBe('0c3c6b0e-8a4e-4a5e-9a39-3b0f8f6f1d2a');
  });

  it('gives exit code 1 to failures and 2 to usage errors', () => {
    expect(exitCodeOf(new CliError('x'))).toBe(1);
    expect(exitCodeOf(new UsageError('x'))).toBe(2);
    expect(exitCodeOf(new Error('bug'))).toBe(1);
  });

  it('refuses `archon mcp` with a URL and no key as a usage mistake (exit 2), like the other commands', async () => {
    const error = await runMcp({ ARCHON_URL: 'http://127.0.0.1:9' } as unknown as NodeJS.ProcessEnv).catch((err: unknown) => err);
    expect((error as Error).message).toMatch(/ARCHON_API_KEY must be too/);
    expect(exitCodeOf(error)).toBe(2);
  });
});

describe('errors from Archon, as the CLI says them', () => {
  const remote = { where: 'http://127.0.0.1:3737', mode: 'remote' as const };

  it('words a refused key, an invalid argument and a missing object in one line', () => {
    const key = describeError(new ArchonHttpError('nope', 401, 'UNAUTHORIZED'), remote);
    expect(key).toBeInstanceOf(CliError);
    expect(key.message).toBe('http://127.0.0.1:3737 refused ARCHON_API_KEY: it is revoked, expired or mistyped.');
    const local = describeError({ name: 'TRPCError', code: 'UNAUTHORIZED', message: 'x' }, { where: 'db', mode: 'local' });
    expect(local.message).toMatch(/^ARCHON_API_KEY is not a valid key of this database/);
    const invalid = describeError(
      { name: 'TRPCError', code: 'BAD_REQUEST', message: '[…]', cause: { name: 'ZodError', issues: [{ path: ['maxPages'], message: 'Too big' }] } },
      { where: 'db', mode: 'local' },
    );
    expect(invalid).toBeInstanceOf(UsageError);
    expect(invalid.message).toBe('Invalid input: maxPages: Too big');
    const missing = describeError(new ArchonHttpError("Source 'x' does not exist", 404, 'NOT_FOUND'), remote);
    expect([missing.message, (missing as CliError).code, exitCodeOf(missing)]).toEqual(["Source 'x' does not exist", 'NOT_FOUND', 1]);
    const limited = describeError(new ArchonHttpError('Too many uploads', 429, 'TOO_MANY_REQUESTS', { retryAfterSeconds: 41.2 }), remote);
    expect(limited.message).toBe('Too many uploads (try again in 42 s)');
    // As Archon words it, over HTTP and in process alike: said once, not twice.
    const refusal = rateLimited(26, 'upload calls');
    const limitedRemote = describeError(new ArchonHttpError(refusal.message, 429, 'TOO_MANY_REQUESTS', { retryAfterSeconds: 26 }), remote);
    expect(limitedRemote.message).toBe('Too many upload calls; try again in 26 s');
    expect(describeError(refusal, { where: 'db', mode: 'local' }).message).toBe('Too many upload calls; try again in 26 s');
  });

  it('says why a server cannot be reached, and keeps a bug as it is', () => {
    const refused = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    });
    const unreachable = describeError(refused, remote);
    expect(unreachable.message).toBe('Cannot reach Archon at http://127.0.0.1:3737: fetch failed (ECONNREFUSED)');
    expect((unreachable as CliError).code).toBe('UNREACHABLE');
    const bug = new RangeError('index out of range');
    expect(describeError(bug, remote)).toBe(bug);
  });
});

describe('progress without a terminal', () => {
  const capture = () => {
    let text = '';
    const out: Output = {
      json: false,
      tty: false,
      progress: {
        write: (s: string) => {
          text += s;
          return true;
        },
      } as unknown as NodeJS.WriteStream,
      result: () => {},
      say: () => {},
    };
    return { out, text: () => text };
  };
  const state = (over: Partial<Parameters<ReturnType<typeof createDisplay>['update']>[0]>) => ({
    id: 'j',
    status: 'running' as const,
    pagesDiscovered: 0,
    pagesFetched: 0,
    pagesSkipped: 0,
    pagesFailed: 0,
    chunksStored: 0,
    embeddingsDone: 0,
    embeddingsFailed: 0,
    error: null,
    ...over,
  });

  it('prints plain lines with pages and chunks of the estimate, rate and ETA, then one final line', () => {
    const { out, text } = capture();
    const display = createDisplay('crawl', out);
    display.update(state({ status: 'queued' }));
    display.update(state({ pagesDiscovered: 40, pagesFetched: 10, pagesSkipped: 2, chunksStored: 55 }));
    // Within two seconds of the last line, with the same status: no new line.
    display.update(state({ pagesDiscovered: 40, pagesFetched: 11, chunksStored: 60 }));
    display.finish(state({ status: 'completed', pagesDiscovered: 40, pagesFetched: 37, pagesSkipped: 2, pagesFailed: 1, chunksStored: 300 }));
    const lines = text().trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^crawl queued: 0\/0 pages, 0 chunks, [\d.]+ pages\/s, ETA /);
    expect(lines[1]).toMatch(/^crawl running: 12\/40 pages \(2 skipped\), 55 chunks, [\d.]+ pages\/s, ETA (\d+[smh]|\?)/);
    expect(lines[2]).toMatch(/^crawl completed\. 40\/40 pages \(2 skipped, 1 failed\), 300 chunks in \d+s\.$/);
    expect(text()).not.toMatch(/\u001b\[/);
  });

  it('says why a job failed', () => {
    const { out, text } = capture();
    createDisplay('upload', out).finish(state({ status: 'failed', error: 'every file was refused' }));
    expect(text()).toMatch(/^upload failed: every file was refused\. 0\/0 pages, 0 chunks in \d+s\.\n$/);
  });
});

describe('output helpers', () => {
  it('aligns tables, cuts long cells and says when there are no rows', () => {
    const rows = [
      { id: 'a', title: 'A short one', n: 1 },
      { id: 'bbbb', title: 'x'.repeat(100), n: 12345 },
    ];
    const text = table(rows, [
      { header: 'ID', value: (r) => r.id },
      { header: 'TITLE', value: (r) => r.title, max: 20 },
      { header: 'N', value: (r) => r.n },
    ]);
    expect(text.split('\n')).toEqual(['ID    TITLE                 N', 'a     A short one           1', `bbbb  ${'x'.repeat(19)}…  12345`]);
    expect(table([], [{ header: 'ID', value: () => '' }], 'No jobs.')).toBe('No jobs.');
    expect([formatBytes(512), formatBytes(1536), formatBytes(5 * 1024 ** 3)]).toEqual(['512 B', '1.5 KB', '5.0 GB']);
    expect([formatDuration(42), formatDuration(200), formatDuration(3 * 3600 + 120), formatDuration(Number.NaN)]).toEqual([
      '42s',
      '3m20s',
      '3h02m',
      '?',
    ]);
  });
});
