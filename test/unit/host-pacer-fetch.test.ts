import { spawn } from 'node:child_process';
import dns from 'node:dns';
import { once } from 'node:events';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { agents, FetchError, type FetchOptions, fetchUrl } from '../../server/services/crawl/fetcher';
import { newFetchStats } from '../../server/services/crawl/host-pacer';

// Two servers on one port: 127.0.0.1 is the address the check allows, 127.0.0.2 stands for where a rebinding DNS answer points.
type Counted = { server: http.Server; connections: number; requests: string[] };
const good: Counted = { server: http.createServer(), connections: 0, requests: [] };
const evil: Counted = { server: http.createServer(), connections: 0, requests: [] };
let port: number;
let resets = 0;

function serve(c: Counted, name: string) {
  c.server.on('connection', () => c.connections++);
  c.server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    c.requests.push(req.url ?? '');
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/reset' && resets > 0) {
      resets--;
      return req.socket.destroy();
    }
    if (url.pathname === '/slow') return void setTimeout(() => res.end(`${name} slow`), Number(url.searchParams.get('ms') ?? 0));
    res.end(`${name} ${req.headers.host}`);
  });
}

beforeAll(async () => {
  serve(good, 'good');
  serve(evil, 'evil');
  await new Promise<void>((resolve) => good.server.listen(0, '127.0.0.1', resolve));
  port = (good.server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => evil.server.listen(port, '127.0.0.2', resolve));
});
afterAll(async () => {
  for (const c of [good, evil]) {
    c.server.closeAllConnections();
    await new Promise((resolve) => c.server.close(resolve));
  }
});
afterEach(() => {
  vi.restoreAllMocks();
  for (const c of [good, evil]) {
    c.server.closeAllConnections();
    c.connections = 0;
    c.requests.length = 0;
  }
});

const options = (extra: Partial<FetchOptions> = {}): FetchOptions => ({
  policy: { allowPrivate: false, allowedHosts: ['127.0.0.1/32'] },
  timeoutMs: 5_000,
  maxBytes: 1_000_000,
  maxRedirects: 5,
  userAgent: 'ArchonTest/1.0',
  ...extra,
});

function get(opts: http.RequestOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request(opts, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve(text));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the crawler agent connects only to the checked address', () => {
  it('ignores the host and lookup a request carries', async () => {
    const lookup = (_h: string, o: { all?: boolean }, cb: (...args: unknown[]) => void) =>
      o.all ? cb(null, [{ address: '127.0.0.2', family: 4 }]) : cb(null, '127.0.0.2', 4);
    const body = await get({
      host: 'docs.test',
      port,
      path: '/',
      agent: agents.http,
      lookup,
      pinned: { address: '127.0.0.1', family: 4 },
    } as http.RequestOptions);
    expect(body).toBe(`good docs.test:${port}`);
    expect(evil.connections).toBe(0);
  });

  it('refuses a request that carries no checked address', async () => {
    await expect(get({ host: '127.0.0.1', port, path: '/', agent: agents.http })).rejects.toThrow(
      /only connects to an address the network policy checked/,
    );
    expect(good.connections).toBe(0);
  });

  it('keeps a DNS answer that changes after the check from reaching another address, kept-alive socket or not', async () => {
    const checked = vi.spyOn(dns.promises, 'lookup') as unknown as { mockResolvedValue(v: unknown): void };
    checked.mockResolvedValue([{ address: '127.0.0.1', family: 4 }]);
    // Whatever resolves the name at connect time points elsewhere: only the checked answer may count.
    vi.spyOn(dns, 'lookup').mockImplementation(((_h: string, o: unknown, cb?: (...args: unknown[]) => void) => {
      const callback = (typeof o === 'function' ? o : cb) as (...args: unknown[]) => void;
      callback(null, [{ address: '127.0.0.2', family: 4 }]);
    }) as unknown as typeof dns.lookup);
    const url = `http://docs.test:${port}/`;
    expect((await fetchUrl(url, options())).body.toString()).toBe(`good docs.test:${port}`);

    // The name now resolves to an address the policy blocks: the kept-alive socket to the old one is not used.
    checked.mockResolvedValue([{ address: '127.0.0.2', family: 4 }]);
    const err = await fetchUrl(url, options()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FetchError);
    expect((err as FetchError).kind).toBe('blocked');
    expect(good.requests).toEqual(['/']);
    expect(evil.connections).toBe(0);
  });
});

describe('fetchUrl under load', () => {
  it('sends a request again when the host resets the connection, and counts it', async () => {
    resets = 2;
    const stats = newFetchStats();
    const res = await fetchUrl(`http://127.0.0.1:${port}/reset`, options({ retries: 3, hostConcurrency: 4, stats }));
    expect(res.body.toString()).toBe(`good 127.0.0.1:${port}`);
    expect(stats).toMatchObject({ requests: 3, retries: 2, overloads: { reset: 2 } });
    expect(stats.connections).toBeGreaterThanOrEqual(3);
  });

  it('fails as before when no retries are asked for', async () => {
    resets = 1;
    const err = await fetchUrl(`http://127.0.0.1:${port}/reset`, options()).catch((e: unknown) => e);
    expect((err as FetchError).kind).toBe('network');
    resets = 0;
  });

  it('gives up on a refused connection after its retries', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const stats = newFetchStats();
    const err = await fetchUrl(`http://127.0.0.1:${deadPort}/`, options({ retries: 2, hostConcurrency: 2, stats })).catch((e: unknown) => e);
    expect((err as FetchError).kind).toBe('network');
    expect(stats).toMatchObject({ requests: 3, retries: 2, overloads: { refused: 3 } });
  });

  it('does not count the wait for a turn at the host against the timeout', async () => {
    const opts = options({ hostConcurrency: 1, timeoutMs: 1_000 });
    // Another crawl's slow request holds the host's only slot for 1.5 s, longer than this fetch's whole timeout.
    const slow = fetchUrl(`http://127.0.0.1:${port}/slow?ms=1500`, options({ hostConcurrency: 1, timeoutMs: 5_000 }));
    await new Promise((r) => setTimeout(r, 50));
    const queued = await fetchUrl(`http://127.0.0.1:${port}/slow?ms=10`, opts);
    expect(queued.body.toString()).toBe('good slow');
    expect((await slow).body.toString()).toBe('good slow');
  });

  it('reuses one kept-alive connection for requests one after another', async () => {
    const stats = newFetchStats();
    for (let i = 0; i < 10; i++) await fetchUrl(`http://127.0.0.1:${port}/`, options({ hostConcurrency: 4, stats }));
    expect(good.connections).toBe(1);
    expect(stats.connections).toBe(1);
  });
});

describe('a full accept queue', () => {
  it('counts a connect that waited for a SYN retransmit as an overload', async () => {
    // A server whose accept queue (backlog 1: two connections) is full and that accepts nothing for 2 s, then answers.
    const script = `
      const http = require('node:http');
      const server = http.createServer((req, res) => res.end('late'));
      server.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
        console.log(server.address().port);
        setTimeout(() => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2000), 100);
      });`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
      const at = `127.0.0.1:${Number(chunk.toString().trim())}`;
      await new Promise((r) => setTimeout(r, 300));
      const fillers = [0, 1].map(() => net.connect({ host: '127.0.0.1', port: Number(at.split(':')[1]) }));
      await Promise.all(fillers.map((s) => once(s, 'connect')));
      const stats = newFetchStats();
      const res = await fetchUrl(`http://${at}/`, options({ hostConcurrency: 4, stats, policy: { allowPrivate: false, allowedHosts: [at] } }));
      expect(res.body.toString()).toBe('late');
      expect(stats.overloads).toEqual({ 'slow connect': 1 });
      for (const s of fillers) s.destroy();
    } finally {
      child.kill();
    }
  });
});
