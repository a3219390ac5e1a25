// Serves the benchmark website from its own process, as a real site would be:
// its CPU, memory and event loop are then not counted as, or competing with, Archon's.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { serveDirectory } from './static-server';

export type Site = { url: string; host: string; close(): Promise<void> };

export async function serveDirectoryInChild(dir: string): Promise<Site> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve', dir], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const [listening] = (await Promise.race([once(child, 'message'), once(child, 'exit').then(() => [null])])) as [Omit<Site, 'close'> | null];
  if (!listening) throw new Error(`The benchmark site process for ${dir} exited before listening`);
  return {
    url: listening.url,
    host: listening.host,
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.disconnect();
      await exited;
    },
  };
}

if (process.argv[2] === '--serve' && process.send) {
  const site = await serveDirectory(process.argv[3]!);
  process.send({ url: site.url, host: site.host });
  process.on('disconnect', () => void site.close().then(() => process.exit(0)));
}
