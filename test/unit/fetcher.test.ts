import dns from 'node:dns';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline, Readable } from 'node:stream';
import zlib from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_ACCEPT, FetchError, type FetchOptions, fetchUrl } from '../../server/services/crawl/fetcher';

let server: http.Server;
let port: number;
let base: string;

const bomb = zlib.gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 });

function route(req: http.IncomingMessage, res: http.ServerResponse) {
  const url = new URL(req.url ?? '/', 'http://fixture');
  const redirect = (status: number, location: string) => res.writeHead(status, { location }).end();
  const [, first, second] = url.pathname.split('/');
  switch (first) {
    case 'echo':
      return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ headers: req.headers, url: req.url }));
    case 'latin1':
      return res.writeHead(200, { 'content-type': 'text/html; charset=ISO-8859-1' }).end(Buffer.from('<p>café</p>', 'latin1'));
    case 'quoted-charset':
      return res.writeHead(200, { 'content-type': 'Text/HTML; Charset="UTF-8"' }).end('ok');
    case 'no-type':
      return res.end('bare');
    case 'status':
      return res.writeHead(Number(second), { 'content-type': 'text/plain' }).end(`status ${second}`);
    case 'hop': {
      const n = Number(second);
      const go = () => (n > 0 ? redirect(302, `/hop/${n - 1}${url.search}`) : res.writeHead(200).end('arrived'));
      return void setTimeout(go, Number(url.searchParams.get('delay') ?? 0));
    }
    case 'code':
      return redirect(Number(second), '/echo');
    case 'loop':
      return redirect(302, second === 'a' ? '/loop/b' : '/loop/a');
    case 'redirect':
      return redirect(302, url.searchParams.get('to')!);
    case 'etag':
      if (req.headers['if-none-match'] === '"v1"') return res.writeHead(304, { etag: '"v1"' }).end();
      return res.writeHead(200, { etag: '"v1"', 'content-type': 'text/plain' }).end('fresh');
    case 'slow-headers':
      return; // never answers; the client's timeout or abort must end it
    case 'slow-body': {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const timer = setInterval(() => res.write('x'), 50);
      return void res.on('close', () => clearInterval(timer));
    }
    case 'big-declared':
      // Declares 10 MB, sends 10 bytes and then nothing: reading the body would hang until the timeout.
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(10_000_000) });
      return void res.write('0123456789');
    case 'chunked-big': {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = Buffer.alloc(64 * 1024, 97);
      const pump = () => {
        while (!res.destroyed && res.write(chunk));
      };
      res.on('drain', pump);
      return pump();
    }
    case 'gzip-bomb':
      res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip', 'content-length': bomb.length });
      return res.end(bomb);
    case 'endless-gzip': {
      // An endless compressed stream: only a streaming limit on decoded bytes ends it before the timeout.
      res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip' });
      const zeros = new Readable({ read: () => void zeros.push(Buffer.alloc(64 * 1024)) });
      return void pipeline(zeros, zlib.createGzip(), res, () => {});
    }
    case 'encoded': {
      const text = Buffer.from(`hello ${second}`);
      const body = {
        gzip: () => zlib.gzipSync(text),
        deflate: () => zlib.deflateSync(text),
        'deflate-raw': () => zlib.deflateRawSync(text),
        br: () => zlib.brotliCompressSync(text),
      }[second as 'gzip']();
      return res.writeHead(200, { 'content-encoding': second === 'deflate-raw' ? 'deflate' : second }).end(body);
    }
    default:
      return res.writeHead(404).end('no such fixture');
  }
}

beforeAll(async () => {
  server = http.createServer(route);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

afterEach(() => {
  vi.restoreAllMocks();
});

const options = (over: Partial<FetchOptions> = {}): FetchOptions => ({
  policy: { allowPrivate: false, allowedHosts: [`127.0.0.1:${port}`] },
  timeoutMs: 5_000,
  maxBytes: 1_000_000,
  maxRedirects: 5,
  userAgent: 'ArchonTest/1.0',
  ...over,
});

async function failure(url: string, over: Partial<FetchOptions> = {}): Promise<FetchError> {
  const err = await fetchUrl(url, options(over)).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FetchError);
  return err as FetchError;
}

describe('fetchUrl basics', () => {
  it('sends the crawler headers and returns the body', async () => {
    const res = await fetchUrl(`${base}/echo`, options({ headers: { 'X-Extra': 'yes' }, ifModifiedSince: 'Wed, 21 Oct 2015 07:28:00 GMT' }));
    expect(res.status).toBe(200);
    expect(res.url).toBe(`${base}/echo`);
    expect(res.finalUrl).toBe(`${base}/echo`);
    expect(res.redirects).toEqual([]);
    expect(res.notModified).toBe(false);
    expect(res.contentType).toBe('application/json');
    const { headers } = JSON.parse(res.body.toString()) as { headers: Record<string, string> };
    expect(headers.accept).toBe(DEFAULT_ACCEPT);
    expect(headers['accept-encoding']).toBe('gzip, deflate, br');
    expect(headers['user-agent']).toBe('ArchonTest/1.0');
    expect(headers['x-extra']).toBe('yes');
    expect(headers['if-modified-since']).toBe('Wed, 21 Oct 2015 07:28:00 GMT');
    expect(headers.host).toBe(`127.0.0.1:${port}`);
  });

  it('reads the charset from the content type', async () => {
    const latin1 = await fetchUrl(`${base}/latin1`, options());
    expect(latin1.contentType).toBe('text/html');
    expect(latin1.charset).toBe('iso-8859-1');
    expect(latin1.body.toString('latin1')).toBe('<p>café</p>');
    const quoted = await fetchUrl(`${base}/quoted-charset`, options());
    expect([quoted.contentType, quoted.charset]).toEqual(['text/html', 'utf-8']);
    const bare = await fetchUrl(`${base}/no-type`, options());
    expect([bare.contentType, bare.charset]).toEqual(['', null]);
  });

  it('returns HTTP errors as answers, not exceptions', async () => {
    const notFound = await fetchUrl(`${base}/status/404`, options());
    expect(notFound.status).toBe(404);
    expect(notFound.body.toString()).toBe('status 404');
    expect((await fetchUrl(`${base}/status/503`, options())).status).toBe(503);
  });

  it('answers 304 to a matching If-None-Match', async () => {
    const fresh = await fetchUrl(`${base}/etag`, options());
    expect([fresh.status, fresh.headers.etag, fresh.notModified]).toEqual([200, '"v1"', false]);
    const again = await fetchUrl(`${base}/etag`, options({ ifNoneMatch: fresh.headers.etag }));
    expect(again.status).toBe(304);
    expect(again.notModified).toBe(true);
    expect(again.body.length).toBe(0);
  });

  it.each(['gzip', 'deflate', 'deflate-raw', 'br'])('decodes a %s body', async (encoding) => {
    const res = await fetchUrl(`${base}/encoded/${encoding}`, options());
    expect(res.body.toString()).toBe(`hello ${encoding}`);
  });
});

describe('fetchUrl redirects', () => {
  it.each([301, 302, 303, 307, 308])('follows a %i', async (code) => {
    const res = await fetchUrl(`${base}/code/${code}`, options());
    expect(res.status).toBe(200);
    expect(res.finalUrl).toBe(`${base}/echo`);
    expect(res.redirects).toEqual([`${base}/code/${code}`]);
  });

  it('follows a chain up to maxRedirects and records every hop', async () => {
    const res = await fetchUrl(`${base}/hop/5`, options({ maxRedirects: 5 }));
    expect(res.body.toString()).toBe('arrived');
    expect(res.finalUrl).toBe(`${base}/hop/0`);
    expect(res.redirects).toEqual([5, 4, 3, 2, 1].map((n) => `${base}/hop/${n}`));
  });

  it('stops one hop past maxRedirects', async () => {
    const err = await failure(`${base}/hop/6`, { maxRedirects: 5 });
    expect(err.kind).toBe('too-many-redirects');
    expect(err.message).toContain(`${base}/hop/6`);
    expect((await failure(`${base}/code/301`, { maxRedirects: 0 })).kind).toBe('too-many-redirects');
  });

  it('detects a loop', async () => {
    const err = await failure(`${base}/loop/a`);
    expect(err.kind).toBe('redirect-loop');
    expect(err.message).toContain(`${base}/loop/a`);
  });

  it('refuses a redirect to a non-http URL', async () => {
    const ftp = await failure(`${base}/redirect?to=${encodeURIComponent('ftp://example.com/file.txt')}`);
    expect(ftp.kind).toBe('unsupported-protocol');
    expect(ftp.message).toContain('ftp://example.com/file.txt');
    expect((await failure(`${base}/redirect?to=${encodeURIComponent('javascript:alert(1)')}`)).kind).toBe('unsupported-protocol');
    expect((await failure('file:///etc/passwd')).kind).toBe('unsupported-protocol');
  });
});

describe('fetchUrl network policy', () => {
  it('blocks the loopback fixture itself unless the policy allows it', async () => {
    const err = await failure(`${base}/echo`, { policy: { allowPrivate: false, allowedHosts: [] } });
    expect(err.kind).toBe('blocked');
    expect(err.message).toContain(`${base}/echo`);
    expect(err.message).toContain('CRAWL_ALLOW_PRIVATE_NETWORK');
    const open = await fetchUrl(`${base}/echo`, options({ policy: { allowPrivate: true, allowedHosts: [] } }));
    expect(open.status).toBe(200);
  });

  it.each([
    ['another loopback address', () => `http://127.0.0.2:${port}/`, 'loopback'],
    ['the cloud metadata endpoint', () => 'http://169.254.169.254/latest/meta-data/', 'cloud metadata'],
    ['localhost, the allowed address under another name', () => `http://localhost:${port}/`, 'loopback'],
  ])('blocks a redirect to %s', async (_what, target, reason) => {
    const err = await failure(`${base}/redirect?to=${encodeURIComponent(target())}`);
    expect(err.kind).toBe('blocked');
    expect(err.url).toBe(target());
    expect(err.message).toContain(target());
    expect(err.message).toContain(reason);
  });

  it('connects to the checked address while Host carries the name', async () => {
    // Nothing resolves docs.test: the request can only succeed if it connects to the address we checked.
    const lookup = vi.spyOn(dns.promises, 'lookup') as unknown as { mockResolvedValue(v: unknown): void };
    lookup.mockResolvedValue([{ address: '127.0.0.1', family: 4 }]);
    const res = await fetchUrl(`http://docs.test:${port}/echo`, options({ policy: { allowPrivate: false, allowedHosts: [`docs.test:${port}`] } }));
    const { headers } = JSON.parse(res.body.toString()) as { headers: Record<string, string> };
    expect(headers.host).toBe(`docs.test:${port}`);
  });

  it('drops credentials on a redirect to another origin', async () => {
    const lookup = vi.spyOn(dns.promises, 'lookup') as unknown as { mockResolvedValue(v: unknown): void };
    lookup.mockResolvedValue([{ address: '127.0.0.1', family: 4 }]);
    const target = `http://docs.test:${port}/echo`;
    const res = await fetchUrl(
      `${base}/redirect?to=${encodeURIComponent(target)}`,
      options({
        policy: { allowPrivate: false, allowedHosts: [`127.0.0.1:${port}`, `docs.test:${port}`] },
        headers: { Authorization: 'Bearer secret', 'x-kept': '1' },
      }),
    );
    const { headers } = JSON.parse(res.body.toString()) as { headers: Record<string, string> };
    expect(res.finalUrl).toBe(target);
    expect(headers.authorization).toBeUndefined();
    expect(headers['x-kept']).toBe('1');
  });

  it('reports a refused connection as a network error', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const err = await failure(`http://127.0.0.1:${deadPort}/`, { policy: { allowPrivate: true, allowedHosts: [] } });
    expect(err.kind).toBe('network');
    expect(err.message).toContain(`http://127.0.0.1:${deadPort}/`);
  });
});

describe('fetchUrl keep-alive', () => {
  it('sends a GET again on a new connection when the server dropped the idle socket it reused', async () => {
    // Every connection answers its first request and resets on the second, as a
    // server does when its idle timeout closes a socket the client just reused.
    let connections = 0;
    const flaky = http.createServer({ keepAlive: true }, (req, res) => {
      const served = ((req.socket as { served?: number }).served ?? 0) + 1;
      (req.socket as { served?: number }).served = served;
      if (served > 1) return req.socket.destroy();
      res.end(`answer ${req.url}`);
    });
    flaky.on('connection', () => connections++);
    await new Promise<void>((resolve) => flaky.listen(0, '127.0.0.1', resolve));
    const at = `127.0.0.1:${(flaky.address() as AddressInfo).port}`;
    const opts = options({ policy: { allowPrivate: false, allowedHosts: [at] } });
    try {
      expect((await fetchUrl(`http://${at}/one`, opts)).body.toString()).toBe('answer /one');
      const second = await fetchUrl(`http://${at}/two`, opts);
      expect(second.body.toString()).toBe('answer /two');
      expect(connections).toBe(2);
    } finally {
      flaky.closeAllConnections();
      await new Promise((resolve) => flaky.close(resolve));
    }
  });
});

describe('fetchUrl limits', () => {
  it('times out on a body that never ends', async () => {
    const started = Date.now();
    const err = await failure(`${base}/slow-body`, { timeoutMs: 400 });
    expect(err.kind).toBe('timeout');
    expect(err.message).toContain(`${base}/slow-body`);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('times out waiting for headers', async () => {
    expect((await failure(`${base}/slow-headers`, { timeoutMs: 300 })).kind).toBe('timeout');
  });

  it('applies one timeout to the whole redirect chain', async () => {
    // Each hop takes 200 ms, well under the timeout; four of them do not fit.
    const err = await failure(`${base}/hop/3?delay=200`, { timeoutMs: 500 });
    expect(err.kind).toBe('timeout');
    expect(err.url).toMatch(/\/hop\/[0-2]\?delay=200$/);
  });

  it('refuses a declared content-length above maxBytes without reading the body', async () => {
    const started = Date.now();
    const err = await failure(`${base}/big-declared`, { maxBytes: 1_000_000, timeoutMs: 5_000 });
    expect(err.kind).toBe('too-large');
    expect(err.message).toContain(`${base}/big-declared`);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('stops a chunked body once it passes maxBytes', async () => {
    const err = await failure(`${base}/chunked-big`, { maxBytes: 200_000, timeoutMs: 5_000 });
    expect(err.kind).toBe('too-large');
  });

  it('applies maxBytes to the decompressed size of a gzip bomb', async () => {
    expect(bomb.length).toBeLessThan(1_000_000); // small on the wire: the content-length check cannot catch it
    const err = await failure(`${base}/gzip-bomb`, { maxBytes: 1_000_000 });
    expect(err.kind).toBe('too-large');
  });

  it('stops an endless compressed stream while it is still arriving', async () => {
    const err = await failure(`${base}/endless-gzip`, { maxBytes: 2_000_000, timeoutMs: 5_000 });
    expect(err.kind).toBe('too-large');
  });

  it('aborts when the caller cancels', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const err = await failure(`${base}/slow-body`, { signal: controller.signal, timeoutMs: 5_000 });
    expect(err.kind).toBe('aborted');
    const already = AbortSignal.abort();
    expect((await failure(`${base}/echo`, { signal: already })).kind).toBe('aborted');
  });
});
