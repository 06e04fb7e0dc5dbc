import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Password hashing with scrypt (a memory-hard KDF built into Node). The stored form names its own
 * parameters — `scrypt$N$r$p$saltB64$hashB64` — so the cost can be raised later without breaking
 * existing hashes: old ones still verify, and `passwordNeedsRehash` tells the login path to upgrade.
 */

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** 32 MiB (128 * N * r bytes) and tens of milliseconds per hash: slow for an attacker, bearable for a login. */
const CURRENT: Readonly<ScryptParams> = { N: 2 ** 15, r: 8, p: 1 };
const SALT_BYTES = 16;
const KEY_BYTES = 32;
const SCHEME = 'scrypt';

/**
 * Bounds for parameters read back from storage, so a corrupted or crafted row cannot make one
 * login allocate gigabytes or burn seconds of CPU. scrypt needs 128 * N * r bytes, so the
 * parameters are bounded together, not one by one (N=2^20 with r=32 alone would be 4 GiB):
 * at most 64 MiB (twice today's cost) and 16 times today's work (N * r * p).
 */
const MAX_MEMORY_BYTES = 64 * 1024 * 1024;
const MAX_WORK = 16 * CURRENT.N * CURRENT.r * CURRENT.p;
const MAX_P = 16;

/** Whether stored parameters are ones we are willing to run. */
export function acceptableScryptParams({ N, r, p }: ScryptParams): boolean {
  const isPowerOfTwo = Number.isInteger(N) && N > 1 && (N & (N - 1)) === 0;
  if (!isPowerOfTwo || !Number.isInteger(r) || r < 1 || !Number.isInteger(p) || p < 1 || p > MAX_P) return false;
  return 128 * N * r <= MAX_MEMORY_BYTES && N * r * p <= MAX_WORK;
}

function deriveKey(plain: string, salt: Buffer, keyBytes: number, params: ScryptParams): Promise<Buffer> {
  // scrypt needs 128 * N * r bytes (plus a little); Node's default maxmem (32 MiB) is exactly that
  // for N=2^15, r=8, and the check is strict, so allow twice the requirement. Stored parameters
  // never get here above MAX_MEMORY_BYTES (see acceptableScryptParams).
  const options: ScryptOptions = { ...params, maxmem: 2 * 128 * params.N * params.r };
  return new Promise((resolve, reject) => {
    // The callback form runs on the libuv thread pool and keeps the event loop free.
    scrypt(plain.normalize('NFKC'), salt, keyBytes, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/** Hashes a password with a fresh random salt and the current parameters. */
export async function hashPassword(plain: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await deriveKey(plain, salt, KEY_BYTES, CURRENT);
  return [SCHEME, CURRENT.N, CURRENT.r, CURRENT.p, salt.toString('base64'), key.toString('base64')].join('$');
}

interface ParsedHash extends ScryptParams {
  salt: Buffer;
  key: Buffer;
}

function parseStoredHash(stored: string): ParsedHash | undefined {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== SCHEME) return undefined;
  const [N, r, p] = parts.slice(1, 4).map((part) => (/^\d{1,10}$/.test(part) ? Number(part) : NaN));
  if (N === undefined || r === undefined || p === undefined || !acceptableScryptParams({ N, r, p })) return undefined;
  const salt = Buffer.from(parts[4] ?? '', 'base64');
  const key = Buffer.from(parts[5] ?? '', 'base64');
  if (salt.length < 8 || key.length < 16) return undefined;
  return { N, r, p, salt, key };
}

/**
 * Checks a password against a stored hash in constant time. A malformed stored value verifies as
 * false rather than throwing: to the caller it is simply a wrong password.
 */
export async function verifyPassword(plain: string, stored: string): Promise<boolean> {
  const parsed = parseStoredHash(stored);
  if (!parsed) return false;
  const candidate = await deriveKey(plain, parsed.salt, parsed.key.length, parsed);
  return timingSafeEqual(candidate, parsed.key);
}

/** True when a stored hash was made with other parameters than today's (or is unreadable). */
export function passwordNeedsRehash(stored: string): boolean {
  const parsed = parseStoredHash(stored);
  return !parsed || parsed.N !== CURRENT.N || parsed.r !== CURRENT.r || parsed.p !== CURRENT.p || parsed.key.length !== KEY_BYTES;
}
