import type { TRPCClient } from '@trpc/client';
import type { AppRouter, ImportResult, UploadJob } from '../packages/client/src/router';
import { UsageError } from './errors';

/** Archon's tRPC API, the same typed shape whether it is a server at --url or the local database. */
export type Api = TRPCClient<AppRouter>;

export type UploadMeta = { title?: string; knowledgeType?: 'technical' | 'business'; tags?: string[]; sourceId?: string };
/** A file on disk to upload, and the name it is uploaded under (a folder's file: its path within the folder). */
export type UploadPath = { path: string; name: string };

/**
 * Where a command runs: a remote Archon through the typed client package
 * (packages/client), or the local database opened as `npm start` opens it.
 * The plain HTTP routes (uploads, export, import) have their counterpart here.
 */
export type Connection = {
  mode: 'local' | 'remote';
  /** The URL, or the database's location, for messages. */
  where: string;
  api: Api;
  uploadFiles(files: UploadPath[], meta: UploadMeta): Promise<UploadJob>;
  exportSource(sourceId: string, opts: { embeddings: boolean }): Promise<{ filename: string; stream: ReadableStream<Uint8Array> }>;
  importSource(path: string, onConflict: 'error' | 'replace' | 'copy'): Promise<ImportResult>;
  close(): Promise<void>;
};

export type ConnectOptions = {
  /** --url, else ARCHON_URL: a remote Archon; neither: the local database. */
  url?: string;
  env: NodeJS.ProcessEnv;
  /** Whether the command starts jobs that should run here when local (a crawl, an upload): then the local runner runs. */
  runJobs?: boolean;
};

export async function connect(opts: ConnectOptions): Promise<Connection> {
  const url = (opts.url ?? opts.env.ARCHON_URL)?.trim();
  const apiKey = opts.env.ARCHON_API_KEY?.trim() || undefined;
  if (url) {
    if (!apiKey) throw new UsageError(`To use Archon at ${url}, set ARCHON_API_KEY to one of its API keys (archon keys create, or the dashboard).`);
    // checkUrl words its refusals for --url; a URL from the environment is named as the user set it.
    if (!opts.url) {
      try {
        checkUrl(url);
      } catch (err) {
        if (err instanceof UsageError) throw new UsageError(err.message.replace(/^--url\b/, 'ARCHON_URL'));
        throw err;
      }
    }
    const { connectRemote } = await import('./remote');
    return connectRemote(url, apiKey);
  }
  const { connectLocal } = await import('./local');
  return connectLocal({ apiKey, env: opts.env, runJobs: opts.runJobs ?? false });
}

export function checkUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--url must be Archon's address, such as http://127.0.0.1:3737; got ${url}`);
  }
  if (!/^https?:$/.test(parsed.protocol)) throw new UsageError(`--url must be an http:// or https:// URL, got ${url}`);
  if (/\/(mcp|api(\/trpc)?)\/?$/.test(parsed.pathname)) {
    throw new UsageError(
      `--url is Archon's own address, not an endpoint: use ${parsed.origin}${parsed.pathname.replace(/\/(mcp|api(\/trpc)?)\/?$/, '')}`,
    );
  }
  return url.replace(/\/+$/, '');
}
