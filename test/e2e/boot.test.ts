import { describe, expect, it } from 'vitest';
import { startServerProcess } from '../helpers/server-process';

describe.skipIf(process.env.ARCHON_TEST_DB === 'postgres')('boot failures', () => {
  it('stops with a message naming each bad variable', async () => {
    await expect(startServerProcess({ PORT: 'eighty', EMBEDDING_DIMENSIONS: '-3' }, 30_000)).rejects.toThrow(
      /exited with code 1[\s\S]*Archon cannot start[\s\S]*PORT: [\s\S]*EMBEDDING_DIMENSIONS: /,
    );
  });

  it('explains an unreachable database server without leaking its password', async () => {
    const error = await startServerProcess({ DATABASE_URL: 'postgres://archon:hunter2@127.0.0.1:1/archon' }, 30_000).then(
      () => null,
      (err: Error) => err,
    );
    expect(error?.message).toMatch(/Cannot use the database at postgres:\/\/archon:\*\*\*@127\.0\.0\.1:1\/archon/);
    expect(error?.message).not.toContain('hunter2');
  });
});
