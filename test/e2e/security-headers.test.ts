import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServerDatabase, testDbKind } from '../helpers/db';
import { AUTH_HEADERS, type ServerProcess, startServerProcess } from '../helpers/server-process';

/** Response headers on pages and routes, and the bound on tRPC request bodies, on the real server. */
let server: ServerProcess;
let dropDb: (() => Promise<void>) | undefined;

const MiB = 1024 * 1024;

beforeAll(async () => {
  // Small upload limits make knowledge.upload's own bound ceil(1 MiB / 3) * 4 * 3 + 1 MiB, just over 5 MiB.
  const env: Record<string, string> = { UPLOAD_MAX_FILE_BYTES: String(MiB), UPLOAD_MAX_FILES: '3', LOG_LEVEL: 'warn' };
  if (testDbKind() === 'postgres') {
    const db = await createServerDatabase();
    env.DATABASE_URL = db.url;
    dropDb = db.drop;
  }
  server = await startServerProcess(env);
});
afterAll(async () => {
  await server?.stop();
  await dropDb?.();
});

/** A tRPC (superjson) body of about `bytes` bytes. */
const jsonOfSize = (bytes: number) => JSON.stringify({ json: { title: 'big', description: 'x'.repeat(bytes) } });

/** The same bytes sent without Content-Length, as Transfer-Encoding: chunked. */
function chunked(text: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, (at += 64 * 1024)));
    },
  });
}

const post = (path: string, body: string | ReadableStream<Uint8Array>, headers: Record<string, string> = {}) =>
  fetch(`${server.url}/api/trpc/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
    ...(typeof body === 'string' ? {} : { duplex: 'half' }),
  } as RequestInit);

describe('security headers', () => {
  it.each(['/', '/api/health', '/api/trpc/system.health'])('are set on %s', async (path) => {
    const res = await fetch(`${server.url}${path}`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    const directives = Object.fromEntries(
      csp.split(';').map((d) => {
        const [name, ...values] = d.trim().split(/\s+/);
        return [name, values.join(' ')];
      }),
    );
    expect(directives).toMatchObject({
      'default-src': "'self'",
      'frame-ancestors': "'none'",
      'object-src': "'none'",
      'base-uri': "'self'",
      'form-action': "'self'",
      'connect-src': "'self' ws: wss:",
      'img-src': "'self' data:",
    });
    // A production server never allows eval.
    expect(directives['script-src']).toBe("'self' 'unsafe-inline'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(res.headers.get('permissions-policy')).toContain('camera=()');
    expect(res.headers.get('x-powered-by')).toBeNull();
    await res.body?.cancel();
  });
});

describe('tRPC request bodies', () => {
  it('pass through when they are within the bound, with or without Content-Length', async () => {
    // Three quarters of the general 4 MiB bound, in the one field whose size is not capped by the schema.
    const body = JSON.stringify({ json: { title: 'Sized right', data: ['y'.repeat(3 * MiB)] } });
    const sized = await post('projects.create', body, AUTH_HEADERS);
    expect(sized.status).toBe(200);
    expect(await sized.json()).toMatchObject({ result: { data: { json: { title: 'Sized right' } } } });

    const streamed = await post('projects.create', chunked(body.replace('Sized right', 'Streamed')), AUTH_HEADERS);
    expect(streamed.status).toBe(200);
    expect(await streamed.json()).toMatchObject({ result: { data: { json: { title: 'Streamed' } } } });
  });

  it('are refused with 413 in tRPC shape when too large, before authentication', async () => {
    const res = await post('projects.create', jsonOfSize(5 * MiB));
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({
      error: {
        json: { message: expect.stringContaining('larger than'), data: { code: 'PAYLOAD_TOO_LARGE', httpStatus: 413, path: 'projects.create' } },
      },
    });
  });

  it('are refused when chunked, with no Content-Length to go by', async () => {
    const res = await post('projects.create', chunked(jsonOfSize(5 * MiB)));
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: { json: { data: { code: 'PAYLOAD_TOO_LARGE' } } } });
  });

  it('are refused per call in a batch', async () => {
    const res = await post('projects.create,projects.create?batch=1', JSON.stringify({ 0: { json: { title: 'x'.repeat(5 * MiB) } } }));
    expect(res.status).toBe(413);
    const body = await res.json();
    expect(body).toHaveLength(2);
    expect(body[1]).toMatchObject({ error: { json: { data: { code: 'PAYLOAD_TOO_LARGE', path: 'projects.create' } } } });
  });

  it('may be as large as the upload limits allow for knowledge.upload, and no larger', async () => {
    // Over the general bound but within the upload's: it reaches tRPC, which wants credentials.
    const within = await post('knowledge.upload', jsonOfSize(4.5 * MiB));
    expect(within.status).toBe(401);
    const over = await post('knowledge.upload', chunked(jsonOfSize(5.5 * MiB)));
    expect(over.status).toBe(413);
    await within.body?.cancel();
    await over.body?.cancel();
  });
});
