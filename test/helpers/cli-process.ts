import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const ARCHON_BIN = path.join(process.cwd(), 'bin', 'archon.mjs');

export type Ran = { code: number | null; stdout: string; stderr: string; matched?: string; kill?: () => void };

/**
 * The `archon` bin run as a person runs it: in `cwd` (the temp folder by
 * default), with only PATH, HOME and production settings besides `env`, so
 * nothing of the test's own environment leaks in. With `until`, it resolves as
 * soon as the output matches, the process still running (`kill` ends it).
 */
export function runArchon(
  args: string[],
  opts: { env?: Record<string, string>; cwd?: string; until?: RegExp; timeoutMs?: number } = {},
): Promise<Ran> {
  const proc = spawn(process.execPath, [ARCHON_BIN, ...args], {
    cwd: opts.cwd ?? os.tmpdir(),
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1', ...opts.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  proc.stdin.end();
  let stdout = '';
  let stderr = '';
  return new Promise((resolve) => {
    const timer = setTimeout(() => proc.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    const check = () => {
      const m = opts.until?.exec(stdout + stderr);
      if (m) {
        clearTimeout(timer);
        resolve({ code: null, stdout, stderr, matched: m[1] ?? m[0], kill: () => proc.kill('SIGKILL') });
      }
    };
    proc.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      check();
    });
    proc.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      check();
    });
    proc.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Temporary folders for a test file: `make` one, and `removeAll` in its afterAll. */
export function tempDirs() {
  const made: string[] = [];
  return {
    make: (prefix: string) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
      made.push(dir);
      return dir;
    },
    removeAll: () => {
      for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
