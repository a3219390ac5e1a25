import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';

type ScryptParams = { N: number; r: number; p: number };

// OWASP's scrypt floor is N=2^17 with r=8; 2^15 keeps a login near 100 ms on a
// small self-hosted box while still costing an attacker 32 MiB per guess.
const PARAMS: ScryptParams = { N: 2 ** 15, r: 8, p: 1 };
const SALT_BYTES = 16;
const HASH_BYTES = 32;

// Bounds for parameters read back from a stored hash, so a corrupt or hostile
// row cannot make one verification allocate gigabytes or spin for minutes.
const LIMITS = { N: [2 ** 10, 2 ** 20], r: [1, 32], p: [1, 16] } as const;

const B64 = /^[A-Za-z0-9+/]+$/;
const ENCODED = /^scrypt\$N=(\d+),r=(\d+),p=(\d+)\$([^$]+)\$([^$]+)$/;

/** scrypt needs 128·N·r·p bytes; Node's default 32 MiB cap is exactly too small for N=2^15, r=8. */
const maxmemFor = ({ N, r, p }: ScryptParams) => 128 * N * r * p + 16 * 1024 * 1024;

function derive(plain: string, salt: Buffer, params: ScryptParams, keylen: number): Promise<Buffer> {
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: maxmemFor(params) };
  // NFC so the same password typed on different keyboards/OSes hashes the same.
  return new Promise((resolve, reject) => scrypt(plain.normalize('NFC'), salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))));
}

const b64 = (buf: Buffer) => buf.toString('base64').replace(/=+$/, '');

const encode = (params: ScryptParams, salt: Buffer, hash: Buffer) => `scrypt$N=${params.N},r=${params.r},p=${params.p}$${b64(salt)}$${b64(hash)}`;

type Decoded = { params: ScryptParams; salt: Buffer; hash: Buffer };

function decode(encoded: string): Decoded | null {
  if (typeof encoded !== 'string' || encoded.length > 512) return null;
  const m = ENCODED.exec(encoded);
  if (!m) return null;
  const params = { N: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  const inRange = (v: number, [lo, hi]: readonly [number, number]) => Number.isSafeInteger(v) && v >= lo && v <= hi;
  if (!inRange(params.N, LIMITS.N) || !inRange(params.r, LIMITS.r) || !inRange(params.p, LIMITS.p)) return null;
  if ((params.N & (params.N - 1)) !== 0) return null;
  const [saltText, hashText] = [m[4]!, m[5]!];
  if (!B64.test(saltText) || !B64.test(hashText)) return null;
  const salt = Buffer.from(saltText, 'base64');
  const hash = Buffer.from(hashText, 'base64');
  // Re-encoding must give the same text, or the value was not canonical base64.
  if (b64(salt) !== saltText || b64(hash) !== hashText) return null;
  // Exactly the length hashPassword writes: a hash cut short by a character can
  // still be canonical base64 (1 time in 16), and would verify as its own prefix.
  if (salt.length < 8 || hash.length !== HASH_BYTES) return null;
  return { params, salt, hash };
}

/** Hashes a password into a self-describing string: `scrypt$N=32768,r=8,p=1$<salt>$<hash>`. */
export async function hashPassword(plain: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  return encode(PARAMS, salt, await derive(plain, salt, PARAMS, HASH_BYTES));
}

/** True only when `plain` matches; a malformed or unsupported encoding is simply false. */
export async function verifyPassword(plain: string, encoded: string): Promise<boolean> {
  const decoded = decode(encoded);
  if (!decoded || typeof plain !== 'string') return false;
  const actual = await derive(plain, decoded.salt, decoded.params, decoded.hash.length);
  return timingSafeEqual(actual, decoded.hash);
}

/** True when the stored hash was made with other parameters, so it should be replaced after a successful login. */
export function needsRehash(encoded: string): boolean {
  const decoded = decode(encoded);
  if (!decoded) return true;
  const { params, salt, hash } = decoded;
  return params.N !== PARAMS.N || params.r !== PARAMS.r || params.p !== PARAMS.p || salt.length !== SALT_BYTES || hash.length !== HASH_BYTES;
}

/**
 * A well-formed hash with the current parameters that no password matches
 * (its bytes are random). Verifying against it costs what a real check costs.
 */
export const DUMMY_HASH = encode(PARAMS, randomBytes(SALT_BYTES), randomBytes(HASH_BYTES));

/**
 * Spends a full hash computation and returns false. Call it when the email is
 * unknown, so response time does not reveal which emails have accounts.
 */
export async function verifyAgainstDummy(plain: string): Promise<false> {
  await verifyPassword(typeof plain === 'string' ? plain : '', DUMMY_HASH);
  return false;
}

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 256;

// Only the most common choices that pass the length rule; a full breach list is out of scope.
const COMMON = new Set([
  '1234567890',
  '0123456789',
  '12345678910',
  '123456789012',
  'password12',
  'password123',
  'password1234',
  'passw0rd123',
  'qwertyuiop',
  'qwerty1234',
  'qwerty12345',
  'iloveyou12',
  'letmein123',
  'welcome123',
  'admin12345',
  'administrator',
  'archon1234',
  'changeme123',
  'abcdefghij',
  '1q2w3e4r5t',
  '1qaz2wsx3edc',
]);

/**
 * Why a new password is not acceptable, or null when it is. Length is counted
 * in characters (code points), so non-Latin passwords are not penalised.
 */
export function passwordProblem(plain: string, opts: { email?: string } = {}): string | null {
  if (typeof plain !== 'string') return 'Password must be text';
  const chars = [...plain];
  if (chars.length < PASSWORD_MIN_LENGTH) return `Password must be at least ${PASSWORD_MIN_LENGTH} characters`;
  if (chars.length > PASSWORD_MAX_LENGTH) return `Password must be at most ${PASSWORD_MAX_LENGTH} characters`;
  if (plain.includes('\0')) return 'Password must not contain NUL characters';
  if (plain.trim() === '') return 'Password must not be only spaces';
  if (new Set(chars).size === 1) return 'Password must not be one character repeated';
  if (new Set(chars).size < 4) return 'Password must use at least 4 different characters';
  if (COMMON.has(plain.toLowerCase())) return 'Password is too common';
  const email = opts.email?.trim().toLowerCase();
  if (email) {
    const lower = plain.toLowerCase();
    const local = email.split('@')[0] ?? '';
    if (lower === email || (local.length >= 4 && lower === local)) return 'Password must not be your email address';
  }
  return null;
}
