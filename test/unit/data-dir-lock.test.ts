import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { lockDataDir } from '../../db/data-dir-lock';

const dirs: string[] = [];
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'archon-lock-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('data directory lock', () => {
  it('claims the directory and releases it', () => {
    const dir = tempDir();
    const release = lockDataDir(dir);
    const lock = JSON.parse(fs.readFileSync(path.join(dir, 'archon.lock'), 'utf8'));
    expect(lock.pid).toBe(process.pid);
    expect(() => lockDataDir(dir)).toThrow(/already open in this process/);
    release();
    expect(fs.existsSync(path.join(dir, 'archon.lock'))).toBe(false);
    lockDataDir(dir)();
  });

  it('refuses a directory held by another live process, naming it', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'archon.lock'), JSON.stringify({ pid: process.ppid, host: os.hostname(), startedAt: '2026-01-01T00:00:00Z' }));
    expect(() => lockDataDir(dir)).toThrow(new RegExp(`in use by another Archon process \\(pid ${process.ppid}`));
  });

  it('takes over a lock left by a process that no longer exists', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'archon.lock'), JSON.stringify({ pid: 2 ** 22 + 17, host: os.hostname(), startedAt: 'x' }));
    const release = lockDataDir(dir);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'archon.lock'), 'utf8')).pid).toBe(process.pid);
    release();
  });

  it('treats a lock from another host as held, since its process cannot be checked', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'archon.lock'), JSON.stringify({ pid: 1, host: 'elsewhere', startedAt: 'x' }));
    expect(() => lockDataDir(dir)).toThrow(/pid 1 on elsewhere/);
  });
});
