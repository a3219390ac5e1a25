import fs from 'node:fs';
import path from 'node:path';

/** Archon's version, from the package.json of the checkout the CLI runs in (bin/archon.mjs makes it the working directory). */
export function cliVersion(): string {
  try {
    return (JSON.parse(fs.readFileSync(path.join(process.cwd(), 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}
