import argon2 from 'argon2';
import pLimit from 'p-limit';
import { AppError } from '../../errors.js';

// Verified when the email is unknown, so a wrong email costs as long as a wrong password.
const UNKNOWN_USER_HASH = await argon2.hash('unknown-user-placeholder', { type: argon2.argon2id });

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
  return inPasswordQueue(() => argon2.hash(password, { type: argon2.argon2id }));
}

/** True when `password` matches `hash`; with no hash, spends the same time and says no. */
export async function verifyPassword(hash: string | null, password: string): Promise<boolean> {
  return inPasswordQueue(async () => {
    try {
      const ok = await argon2.verify(hash ?? UNKNOWN_USER_HASH, password);
      return hash !== null && ok;
    } catch {
      return false;
    }
  });
}
