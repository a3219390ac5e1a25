import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export type Validators = 'etag' | 'last-modified' | 'none';

/**
 * Serves a directory of files on 127.0.0.1 (a documentation site for
 * benchmarks), answering conditional requests from each file's mtime and size
 * as nginx does; `validators` can be switched while it runs.
 */
export async function serveDirectory(
  dir: string,
  opts: { validators?: Validators } = {},
): Promise<{
  url: string;
  host: string;
  requests: { total: number; notModified: number };
  setValidators(v: Validators): void;
  close(): Promise<void>;
}> {
  const root = path.resolve(dir);
  let validators: Validators = opts.validators ?? 'none';
  const requests = { total: 0, notModified: 0 };
  const server = http.createServer((req, res) => {
    requests.total++;
    const rel = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = path.join(root, rel.endsWith('/') ? `${rel}index.html` : rel);
    if (!file.startsWith(root) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      res.writeHead(404).end('not found');
      return;
    }
    const type = file.endsWith('.html') ? 'text/html; charset=utf-8' : file.endsWith('.css') ? 'text/css' : 'application/octet-stream';
    const stat = fs.statSync(file);
    const headers: Record<string, string> = { 'content-type': type };
    if (validators === 'etag') headers.etag = `"${Math.floor(stat.mtimeMs).toString(16)}-${stat.size.toString(16)}"`;
    if (validators === 'last-modified') headers['last-modified'] = stat.mtime.toUTCString();
    const fresh =
      (headers.etag && req.headers['if-none-match'] === headers.etag) ||
      (headers['last-modified'] && Date.parse(String(req.headers['if-modified-since'])) >= Math.floor(stat.mtimeMs / 1000) * 1000);
    if (fresh) {
      requests.notModified++;
      res.writeHead(304, headers).end();
      return;
    }
    res.writeHead(200, headers);
    fs.createReadStream(file).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    requests,
    setValidators: (v) => (validators = v),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
