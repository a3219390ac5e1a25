import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSetupError } from './errors';

type LockInfo = { pid: number; host: string; startedAt: string };

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(file: string): LockInfo | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as LockInfo;
  } catch {
    return null;
  }
}

/**
 * PGlite has no cross-process locking and two writers silently lose data, so
 * one process claims the directory with an exclusive lock file. A lock left by
 * a dead process on this host is taken over.
 */
export function lockDataDir(dir: string): () => void {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'archon.lock');
  const mine: LockInfo = { pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(file, JSON.stringify(mine), { flag: 'wx', mode: 0o600 });
      return () => {
        const current = readLock(file);
        if (current?.pid === process.pid) fs.rmSync(file, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = readLock(file);
      const sameHost = holder?.host === os.hostname();
      if (holder && (!sameHost || (holder.pid !== process.pid && isAlive(holder.pid)))) {
        throw new DatabaseSetupError(
          `The data directory ${dir} is in use by another Archon process (pid ${holder.pid} on ${holder.host}, started ${holder.startedAt}). ` +
            'The embedded database allows one process per directory: stop that process, set ARCHON_DATA_DIR to another directory, ' +
            'or set DATABASE_URL to use a PostgreSQL server.',
        );
      }
      if (holder?.pid === process.pid) {
        throw new DatabaseSetupError(`The data directory ${dir} is already open in this process.`);
      }
      fs.rmSync(file, { force: true });
    }
  }
  throw new DatabaseSetupError(`Could not lock the data directory ${dir}; another process keeps claiming it.`);
}
