import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { startServerProcess } from '../helpers/server-process';

describe.skipIf(process.env.ARCHON_TEST_DB === 'postgres')('a busy port', () => {
  it('stops the server with one line naming PORT, not a stack trace', async () => {
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const { port } = squatter.address() as net.AddressInfo;
    try {
      const error = await startServerProcess({ PORT: String(port) }, 60_000).then(
        () => null,
        (err: Error) => err,
      );
      expect(error?.message).toMatch(/exited with code 1/);
      const lines = error!.message.split('\n');
      expect(lines).toContain(
        `Archon cannot start. Port ${port} on 127.0.0.1 is already in use: stop the other process or set PORT to another port (0 picks a free one).`,
      );
      expect(error!.message).not.toMatch(/EADDRINUSE|^\s+at /m);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });
});
