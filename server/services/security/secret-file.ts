import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { MIN_SECRET_LENGTH } from './secret-box';

export const SECRET_FILE_NAME = 'archon-secret';

export type LoadedSecret = {
  secret: string;
  /** True when this call generated the secret. */
  created: boolean;
  /** Set when the file was readable by group/other and its permissions were tightened. */
  warning?: string;
};

const newSecret = () => randomBytes(48).toString('base64url');

// Windows has no POSIX permission bits; fs reports 0o666 for every file there.
const checksPermissions = process.platform !== 'win32';

/**
 * The embedded default's ARCHON_SECRET: generated on first run and kept in the
 * data directory, readable by the owner only. `dataDir === 'memory'` (tests,
 * throwaway instances) gets a fresh secret that lives as long as the process.
 */
export function loadOrCreateSecret(dataDir: string): LoadedSecret {
  if (dataDir === 'memory') return { secret: newSecret(), created: true };
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, SECRET_FILE_NAME);
  if (!fs.existsSync(file)) {
    const created = tryCreate(file);
    if (created) return { secret: created, created: true };
  }
  return readExisting(file);
}

/**
 * Writes a complete file under a temporary name, then links it into place:
 * link fails if the name exists, so two processes starting at once agree on one
 * secret, and neither can ever read a half-written file.
 */
function tryCreate(file: string): string | null {
  const secret = newSecret();
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = fs.openSync(tmp, 'wx', 0o600);
  try {
    fs.writeSync(fd, `${secret}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.linkSync(tmp, file);
    return secret;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return null;
    throw err;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

function readExisting(file: string): LoadedSecret {
  const stat = fs.statSync(file);
  if (!stat.isFile()) throw new Error(`${file} must be a regular file holding ARCHON_SECRET`);
  let warning: string | undefined;
  if (checksPermissions && (stat.mode & 0o077) !== 0) {
    fs.chmodSync(file, 0o600);
    warning = `${file} was readable by other users (mode ${(stat.mode & 0o777).toString(8)}); its permissions were reset to 600`;
  }
  const secret = fs.readFileSync(file, 'utf8').trim();
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new Error(
      `${file} holds no usable secret (under ${MIN_SECRET_LENGTH} characters). Restore it from a backup, ` +
        'or set ARCHON_SECRET; deleting it makes stored provider keys unreadable',
    );
  }
  return { secret, created: false, ...(warning ? { warning } : {}) };
}
