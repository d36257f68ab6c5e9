import { argon2, randomBytes, timingSafeEqual, type Argon2Parameters } from 'node:crypto';
import pLimit from 'p-limit';
import { AppError } from '../../errors.js';

/**
 * argon2id as passwords are hashed: 64 MiB, 3 passes, 4 lanes, a 16-byte salt and a 32-byte
 * tag (the parameters the `argon2` package used, so hashes look as they always have).
 */
const HASHING = { memory: 65_536, passes: 3, parallelism: 4, tagLength: 32, saltLength: 16 };

/**
 * The parts of an argon2id hash in the PHC string format,
 * `$argon2id$v=19$m=…,t=…,p=…$<salt>$<tag>` (base64 without padding; the parameters in any
 * order: the `argon2` package wrote `m,p,t`); null for anything else.
 */
function parsePhc(
  hash: string,
): { memory: number; passes: number; parallelism: number; salt: Buffer; tag: Buffer } | null {
  const [empty, algorithm, version, parameters, salt, tag, ...rest] = hash.split('$');
  if (empty !== '' || algorithm !== 'argon2id' || version !== 'v=19' || rest.length > 0)
    return null;
  const base64 = /^[A-Za-z0-9+/]+$/;
  if (salt === undefined || tag === undefined || !base64.test(salt) || !base64.test(tag)) {
    return null;
  }
  const named = new Map(
    (parameters ?? '').split(',').map((pair) => {
      const [name = '', value = ''] = pair.split('=');
      return [name, /^\d{1,10}$/.test(value) ? Number(value) : Number.NaN];
    }),
  );
  const [memory, passes, parallelism] = ['m', 't', 'p'].map(
    (name) => named.get(name) ?? Number.NaN,
  );
  if (named.size !== 3 || ![memory, passes, parallelism].every(Number.isSafeInteger)) return null;
  return {
    memory: memory ?? 0,
    passes: passes ?? 0,
    parallelism: parallelism ?? 0,
    salt: Buffer.from(salt, 'base64'),
    tag: Buffer.from(tag, 'base64'),
  };
}

function derive(password: string, parameters: Omit<Argon2Parameters, 'message'>): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    argon2('argon2id', { ...parameters, message: password }, (error, key) => {
      if (error === null) resolve(key);
      else reject(error);
    });
  });
}

const unpadded = (bytes: Buffer): string => bytes.toString('base64').replace(/=+$/, '');

async function hashWithArgon2id(password: string): Promise<string> {
  const { memory, passes, parallelism, tagLength, saltLength } = HASHING;
  const nonce = randomBytes(saltLength);
  const tag = await derive(password, { nonce, memory, passes, parallelism, tagLength });
  return `$argon2id$v=19$m=${memory},t=${passes},p=${parallelism}$${unpadded(nonce)}$${unpadded(tag)}`;
}

/**
 * Whether `password` gives `hash`'s tag, with the parameters `hash` names (any argon2id hash
 * in the PHC format, whoever made it). False for anything else.
 */
async function verifyArgon2id(hash: string, password: string): Promise<boolean> {
  const parsed = parsePhc(hash);
  if (parsed === null) return false;
  const { memory, passes, parallelism, salt, tag } = parsed;
  const actual = await derive(password, {
    nonce: salt,
    memory,
    passes,
    parallelism,
    tagLength: tag.length,
  });
  return timingSafeEqual(actual, tag);
}

// Verified when the email is unknown, so a wrong email costs as long as a wrong password.
const UNKNOWN_USER_HASH = await hashWithArgon2id('unknown-user-placeholder');

/**
 * argon2id takes 64 MiB and a core's worth of time per hash: at most this many run at once
 * in a process, so a flood of logins waits its turn instead of taking the memory.
 */
export const PASSWORD_WORK_AT_ONCE = 2;
/** At most this many wait; one more is told the service is busy (503, Retry-After). */
export const PASSWORD_WORK_WAITING = 256;

const limit = pLimit(PASSWORD_WORK_AT_ONCE);

/** Hashes and verifications running and waiting now, in this process. */
export function passwordWork(): { running: number; waiting: number } {
  return { running: limit.activeCount, waiting: limit.pendingCount };
}

/**
 * Runs `work` in the password queue: at once if fewer than `PASSWORD_WORK_AT_ONCE` run,
 * else after them; refused with a 503 problem when `PASSWORD_WORK_WAITING` already wait.
 */
export function inPasswordQueue<T>(work: () => Promise<T>): Promise<T> {
  if (limit.pendingCount >= PASSWORD_WORK_WAITING) {
    return Promise.reject(
      new AppError(
        503,
        'PG_ERR_BUSY',
        'Service Unavailable',
        'Too many sign-ins are being checked right now. Please try again in a moment.',
      ),
    );
  }
  return limit(work);
}

/** Hashes a password with argon2id. */
export function hashPassword(password: string): Promise<string> {
  return inPasswordQueue(() => hashWithArgon2id(password));
}

/** True when `password` matches `hash`; with no hash, spends the same time and says no. */
export async function verifyPassword(hash: string | null, password: string): Promise<boolean> {
  return inPasswordQueue(async () => {
    try {
      const ok = await verifyArgon2id(hash ?? UNKNOWN_USER_HASH, password);
      return hash !== null && ok;
    } catch {
      return false;
    }
  });
}
