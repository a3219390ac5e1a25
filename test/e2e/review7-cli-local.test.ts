import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * `archon` on an embedded database of its own (no server), as people and
 * scripts run it: user mistakes are said in one line naming what was wrong.
 */

const BIN = path.join(process.cwd(), 'bin', 'archon.mjs');
const temp: string[] = [];
const tempDir = (prefix: string) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  temp.push(dir);
  return dir;
};
let dataDir: string;
let work: string;

type Ran = { code: number | null; stdout: string; stderr: string };
const run = (args: string[], env: Record<string, string> = {}) =>
  new Promise<Ran>((resolve) => {
    const proc = spawn(process.execPath, [BIN, ...args], {
      cwd: work,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production', ARCHON_DATA_DIR: dataDir, EMBEDDING_DIMENSIONS: '64', ...env },
    });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    proc.stdin.end();
    proc.once('close', (code) => resolve({ code, stdout, stderr }));
  });

beforeAll(async () => {
  dataDir = tempDir('review7-cli-data-');
  work = tempDir('review7-cli-work-');
  fs.writeFileSync(
    path.join(work, 'widgets.md'),
    '# Widgets\n\nWidgets are calibrated with the gizmo.\n\n```ts\nconst widget = calibrate(gizmo, { turns: 3 });\n```\n',
  );
  const uploaded = await run(['upload', 'widgets.md']);
  expect(uploaded.code, uploaded.stderr).toBe(0);
}, 120_000);

afterAll(() => {
  for (const dir of temp) fs.rmSync(dir, { recursive: true, force: true });
});

describe('archon search --source with a source that does not exist', () => {
  it('says the source does not exist, as the MCP tools do, rather than "No results." with exit code 0', async () => {
    const found = await run(['search', 'widgets']);
    expect(found.stdout).toMatch(/^1\. Widgets/);
    for (const args of [
      ['search', 'widgets', '--source', 'upload-0000-mistyped'],
      ['search', 'calibrate', '--code', '--source', 'upload-0000-mistyped'],
    ]) {
      const r = await run(args);
      expect({ args, code: r.code, stderr: r.stderr, stdout: r.stdout }).toEqual({
        args,
        code: 1,
        stderr: "archon: Source 'upload-0000-mistyped' does not exist\n",
        stdout: '',
      });
    }
  });
});

describe('archon with ARCHON_URL set to an endpoint rather than Archon', () => {
  it('names ARCHON_URL, which the user set, not --url, which they did not give', async () => {
    const r = await run(['status'], { ARCHON_URL: 'http://127.0.0.1:3737/mcp', ARCHON_API_KEY: `ak_000000000000_${'x'.repeat(43)}` });
    expect({ code: r.code, stderr: r.stderr }).toEqual({
      code: 2,
      stderr: "archon: ARCHON_URL is Archon's own address, not an endpoint: use http://127.0.0.1:3737\n",
    });
    const flag = await run(['--url', 'http://127.0.0.1:3737/api/trpc', 'status'], { ARCHON_API_KEY: `ak_000000000000_${'x'.repeat(43)}` });
    expect(flag).toMatchObject({ code: 2, stderr: expect.stringMatching(/'http:\/\/127\.0\.0\.1:3737\/api\/trpc' is invalid/) });
  });
});
