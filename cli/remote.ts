import fs from 'node:fs';
import WebSocket from 'ws';
import { createArchonClient } from '../packages/client/src/node';
import { type Connection, checkUrl } from './connection';
import { describeError } from './describe';

/**
 * A remote Archon through the typed client package, as any other app uses it.
 * The key is checked at once (auth.me), so a wrong key or an unreachable
 * server is said before the command does anything.
 */
export async function connectRemote(url: string, apiKey: string): Promise<Connection> {
  const base = checkUrl(url);
  const client = createArchonClient({ url: base, apiKey, ws: WebSocket });
  try {
    await client.auth.me.query();
  } catch (err) {
    await client.close();
    throw describeError(err, { where: base, mode: 'remote' });
  }
  return {
    mode: 'remote',
    where: base,
    api: client,
    // Each file streamed from disk under its own name (a folder's file: its path within the folder).
    uploadFiles: async (files, meta) =>
      client.uploadFiles(await Promise.all(files.map(async (f) => ({ name: f.name, data: await fs.openAsBlob(f.path) }))), meta),
    exportSource: (sourceId, opts) => client.exportSource(sourceId, opts),
    importSource: (path, onConflict) => client.importSource(path, { onConflict }),
    close: () => client.close(),
  };
}
