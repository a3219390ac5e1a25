import { randomBytes, randomUUID } from 'node:crypto';
import { InngestTestEngine } from '@inngest/test';
import { describe, expect, it } from 'vitest';
import { inngest } from '../../inngest/client';
import { loadConfig, secretValues } from '../../server/config';
import { addToLogContext, createLogger, type LogLevel, withLogContext } from '../../server/logger';

/** A logger whose lines are kept, parsed. */
function capture(level: LogLevel = 'debug', opts: Parameters<typeof createLogger>[1] = {}) {
  const raw: string[] = [];
  const logger = createLogger(level, { format: 'json', ...(opts as object), write: (line: string) => raw.push(line) });
  return { logger, raw, lines: () => raw.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('log lines', () => {
  it('are one JSON object per line, with time, level, message and the call fields', () => {
    const { logger, raw, lines } = capture();
    logger.info('crawl started', { sourceId: 'src-1', pages: 3 });
    logger.warn('slow', { ms: 1200 });
    expect(raw).toHaveLength(2);
    for (const line of raw) expect(line.endsWith('\n') && !line.slice(0, -1).includes('\n')).toBe(true);
    const [first, second] = lines();
    expect(first).toMatchObject({ level: 'info', msg: 'crawl started', sourceId: 'src-1', pages: 3, pid: process.pid });
    expect(new Date(first!.time as string).toISOString()).toBe(first!.time);
    expect(second).toMatchObject({ level: 'warn', msg: 'slow', ms: 1200 });
  });

  it('carry the request id, the user or key, the job and the run of the context they are written in', async () => {
    const { logger, lines } = capture();
    await withLogContext({ requestId: 'req-1' }, async () => {
      logger.info('before credentials');
      // Credentials are read after the request starts; the lines after that name the caller.
      addToLogContext({ userId: 'user-1', keyId: 'key-1' });
      await new Promise((r) => setTimeout(r, 1));
      logger.info('after credentials');
      await withLogContext({ jobId: 'job-1', runId: 'run-1' }, async () => {
        await Promise.resolve();
        logger.info('in a job');
      });
      logger.info('back in the request');
    });
    logger.info('outside');
    const [before, after, job, back, outside] = lines();
    expect(before).toMatchObject({ requestId: 'req-1' });
    expect(before).not.toHaveProperty('userId');
    expect(after).toMatchObject({ requestId: 'req-1', userId: 'user-1', keyId: 'key-1' });
    expect(job).toMatchObject({ requestId: 'req-1', userId: 'user-1', jobId: 'job-1', runId: 'run-1' });
    expect(back).not.toHaveProperty('jobId');
    expect(outside).not.toHaveProperty('requestId');
    // A field the call passes wins over the context's.
    withLogContext({ requestId: 'ctx' }, () => logger.info('explicit', { requestId: 'given' }));
    expect(lines().at(-1)).toMatchObject({ requestId: 'given' });
  });

  it('name the run, the function and the job inside an Inngest function and its steps', async () => {
    const { logger, lines } = capture();
    const jobId = randomUUID();
    const fn = inngest.createFunction({ id: 'log-context-probe', triggers: [{ event: 'archon/log.probe' }] }, async ({ step }) => {
      logger.info('in the function');
      await step.run('probe-step', async () => logger.info('in a step'));
    });
    const { error } = await new InngestTestEngine({ function: fn, events: [{ name: 'archon/log.probe', data: { jobId } }] }).execute();
    expect(error).toBeUndefined();
    const written = lines();
    expect(written.map((l) => l.msg)).toContain('in a step');
    for (const line of written) expect(line).toMatchObject({ jobId, runId: expect.any(String), function: 'archon-log-context-probe' });
  });

  it('keep their level: below it nothing is written, and silent writes nothing at all', () => {
    const warn = capture('warn');
    warn.logger.debug('d');
    warn.logger.info('i');
    warn.logger.warn('w');
    warn.logger.error('e');
    expect(warn.lines().map((l) => l.level)).toEqual(['warn', 'error']);
    const silent = capture('silent');
    for (const level of ['debug', 'info', 'warn', 'error'] as const) silent.logger[level]('nothing', { a: 1 });
    expect(silent.raw).toEqual([]);
  });

  it('are readable lines, not JSON, in the pretty format', async () => {
    const out: string[] = [];
    const logger = createLogger('info', { format: 'pretty', write: (line) => out.push(line) });
    withLogContext({ requestId: 'req-pretty' }, () => logger.info('hello there', { n: 1 }));
    await new Promise((r) => setTimeout(r, 50));
    const text = out.join('');
    expect(text).toMatch(/INFO.*hello there/);
    expect(text).toContain('req-pretty');
    expect(() => JSON.parse(text)).toThrow();
  });
});

describe('secrets in log lines', () => {
  const CANARY = `canary-${randomBytes(16).toString('hex')}`;

  it('never appear: not from the configuration, not in headers, not in errors, not by their shape', () => {
    const config = loadConfig({
      ARCHON_DATA_DIR: 'memory',
      EMBEDDING_API_KEY: `sk-${CANARY}`,
      ARCHON_SECRET: `${CANARY}-${'x'.repeat(32)}`,
      DATABASE_URL: `postgres://archon:${CANARY}pw@db.example.com:5432/archon`,
    });
    const { logger, raw, lines } = capture('debug', { secrets: secretValues(config) });
    const apiKey = `ak_0123456789ab_${'Z'.repeat(43)}`;

    logger.info(`provider answered for key sk-${CANARY}`, { baseUrl: 'https://api.example.com', model: 'm' });
    logger.warn('request refused', {
      headers: new Headers({ authorization: `Bearer ${apiKey}`, cookie: `archon_session=${CANARY}`, 'x-request-id': 'req-5' }),
      rawHeaders: { Authorization: `Bearer ${CANARY}`, 'X-Api-Key': CANARY },
    });
    const cause = new Error(`connect to postgres://archon:${CANARY}pw@db.example.com failed`);
    const err = Object.assign(new Error(`embedding failed with key sk-${CANARY} (sealed with ${config.ARCHON_SECRET})`, { cause }), {
      code: 'E_PROVIDER',
    });
    logger.error('job failed', { error: err, apiKey: CANARY, password: CANARY, nested: { list: [{ token: CANARY }], note: `key ${apiKey}` } });

    const text = raw.join('');
    expect(raw).toHaveLength(3);
    expect(text).not.toContain(CANARY);
    expect(text).not.toContain(apiKey);
    expect(text).toContain('[redacted]');
    const [, refused, failed] = lines();
    // What is not secret stays readable: header names, the key's visible prefix, the error's type and code.
    expect(refused!.headers).toMatchObject({ authorization: '[redacted]', cookie: '[redacted]', 'x-request-id': 'req-5' });
    expect(failed).toMatchObject({
      error: {
        type: 'Error',
        code: 'E_PROVIDER',
        message: expect.stringContaining('embedding failed'),
        stack: expect.any(String),
        cause: { type: 'Error' },
      },
      nested: { note: 'key ak_0123456789ab_[redacted]' },
    });
    // Counts that merely share a name with secrets are kept.
    logger.info('embedded', { tokens: 512 });
    expect(lines().at(-1)).toMatchObject({ tokens: 512 });
  });
});
