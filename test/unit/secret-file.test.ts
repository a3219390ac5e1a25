import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSecretBox } from '../../server/services/security/secret-box';
import { loadOrCreateSecret, SECRET_FILE_NAME } from '../../server/services/security/secret-file';

const dirs: string[] = [];
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'archon-secret-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  vi.restoreAllMocks();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
const modeOf = (p: string) => fs.statSync(p).mode & 0o777;
const posix = process.platform !== 'win32';

describe('secret file', () => {
  it('creates a strong secret readable by the owner only, in a new private data directory', () => {
    const dataDir = path.join(tempDir(), 'nested', '.data');
    const first = loadOrCreateSecret(dataDir);
    expect(first.created).toBe(true);
    expect(first.warning).toBeUndefined();
    expect(first.secret).toMatch(/^[A-Za-z0-9_-]{64}$/);
    const file = path.join(dataDir, SECRET_FILE_NAME);
    expect(fs.readFileSync(file, 'utf8').trim()).toBe(first.secret);
    if (posix) {
      expect(modeOf(file)).toBe(0o600);
      expect(modeOf(dataDir)).toBe(0o700);
    }
    expect(fs.readdirSync(dataDir)).toEqual([SECRET_FILE_NAME]);
    expect(() => createSecretBox({ current: first.secret })).not.toThrow();
  });

  it('reuses the stored secret on later starts', () => {
    const dataDir = tempDir();
    const first = loadOrCreateSecret(dataDir);
    const second = loadOrCreateSecret(dataDir);
    expect(second).toEqual({ secret: first.secret, created: false });
  });

  it('generates different secrets for different data directories', () => {
    expect(loadOrCreateSecret(tempDir()).secret).not.toBe(loadOrCreateSecret(tempDir()).secret);
  });

  it('keeps the secret another process wrote between the existence check and the write', () => {
    const dataDir = tempDir();
    const theirs = 'written-by-another-process-0123456789abcdef';
    fs.writeFileSync(path.join(dataDir, SECRET_FILE_NAME), `${theirs}\n`, { mode: 0o600 });
    // Replays the race: this process saw no file, the other one created it first.
    vi.spyOn(fs, 'existsSync').mockReturnValue(false);
    expect(loadOrCreateSecret(dataDir)).toEqual({ secret: theirs, created: false });
    expect(fs.readdirSync(dataDir)).toEqual([SECRET_FILE_NAME]);
  });

  it.runIf(posix)('tightens a file other users can read, and says so', () => {
    const dataDir = tempDir();
    const { secret } = loadOrCreateSecret(dataDir);
    const file = path.join(dataDir, SECRET_FILE_NAME);
    fs.chmodSync(file, 0o644);
    const loaded = loadOrCreateSecret(dataDir);
    expect(loaded.secret).toBe(secret);
    expect(loaded.warning).toMatch(/readable by other users \(mode 644\).*reset to 600/);
    expect(loaded.warning).not.toContain(secret);
    expect(modeOf(file)).toBe(0o600);
    expect(loadOrCreateSecret(dataDir).warning).toBeUndefined();
  });

  it('keeps an existing secret written by hand (e.g. restored from a backup)', () => {
    const dataDir = tempDir();
    const restored = 'restored-secret-restored-secret-restored';
    fs.writeFileSync(path.join(dataDir, SECRET_FILE_NAME), `${restored}\n`, { mode: 0o600 });
    expect(loadOrCreateSecret(dataDir)).toEqual({ secret: restored, created: false });
  });

  it('refuses a truncated or empty secret file rather than replacing it', () => {
    const dataDir = tempDir();
    const file = path.join(dataDir, SECRET_FILE_NAME);
    fs.writeFileSync(file, 'too-short\n', { mode: 0o600 });
    expect(() => loadOrCreateSecret(dataDir)).toThrow(/holds no usable secret/);
    fs.writeFileSync(file, '', { mode: 0o600 });
    expect(() => loadOrCreateSecret(dataDir)).toThrow(/holds no usable secret/);
    expect(fs.readFileSync(file, 'utf8')).toBe('');
  });

  it('refuses a directory in place of the file', () => {
    const dataDir = tempDir();
    fs.mkdirSync(path.join(dataDir, SECRET_FILE_NAME));
    expect(() => loadOrCreateSecret(dataDir)).toThrow(/must be a regular file/);
  });

  it('keeps a fresh secret in memory for the in-memory mode, writing nothing', () => {
    const cwd = fs.readdirSync(process.cwd());
    const a = loadOrCreateSecret('memory');
    const b = loadOrCreateSecret('memory');
    expect(a.created).toBe(true);
    expect(a.secret.length).toBeGreaterThanOrEqual(32);
    expect(a.secret).not.toBe(b.secret);
    expect(fs.existsSync('memory')).toBe(cwd.includes('memory'));
  });
});
