import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The owner every test server starts with, and an admin key of theirs (ARCHON_OWNER_API_KEY). */
export const TEST_OWNER = { email: 'owner@archon.test', password: 'correct horse battery staple' };
export const TEST_API_KEY = 'ak_0123456789ab_' + 'A'.repeat(43);
export const AUTH_HEADERS = { authorization: `Bearer ${TEST_API_KEY}` };

export type ServerProcess = {
  url: string;
  proc: ChildProcess;
  dataDir: string;
  output(): string;
  /** Sends a signal and resolves with the exit code once the process is gone. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
};

/**
 * Starts `server/index.ts` exactly as `npm start` does (after the build), on a
 * random loopback port, and waits for its ready line.
 */
export async function startServerProcess(env: Record<string, string> = {}, timeoutMs = 150_000, nodeFlags: string[] = []): Promise<ServerProcess> {
  if (!fs.existsSync(path.join(process.cwd(), '.next', 'BUILD_ID'))) {
    throw new Error('No Next.js build: run the tests with `npm test`, which builds first');
  }
  const dataDir = env.ARCHON_DATA_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), 'archon-e2e-'));
  const proc = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', 'server/index.ts'], {
    cwd: process.cwd(),
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
      NEXT_TELEMETRY_DISABLED: '1',
      ARCHON_DATA_DIR: dataDir,
      ARCHON_OWNER_EMAIL: TEST_OWNER.email,
      ARCHON_OWNER_PASSWORD: TEST_OWNER.password,
      ARCHON_OWNER_API_KEY: TEST_API_KEY,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`server did not start within ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const check = () => {
      const match = /is ready at (http:\/\/[^\s]+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    proc.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with code ${code} before it was ready:\n${out}`));
    });
  });

  return {
    url,
    proc,
    dataDir,
    output: () => out,
    exited,
    stop: async (signal = 'SIGTERM') => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
}
