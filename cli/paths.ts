import path from 'node:path';

/**
 * The directory `archon` was started in. bin/archon.mjs moves the process to
 * the checkout's root (so relative settings mean what they mean to npm start)
 * and leaves the user's directory in ARCHON_CLI_CWD.
 */
export const userDir = (): string => process.env.ARCHON_CLI_CWD || process.cwd();

/** A path the user typed (a file to upload or import, -o), absolute against their directory rather than the checkout's. */
export const userPath = (p: string): string => path.resolve(userDir(), p);
