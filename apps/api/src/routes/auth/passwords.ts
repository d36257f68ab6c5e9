import argon2 from 'argon2';

// Verified when the email is unknown, so a wrong email costs as long as a wrong password.
const UNKNOWN_USER_HASH = await argon2.hash('unknown-user-placeholder', { type: argon2.argon2id });

/** Hashes a password with argon2id. */
export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, { type: argon2.argon2id });
}

/** True when `password` matches `hash`; with no hash, spends the same time and says no. */
export async function verifyPassword(hash: string | null, password: string): Promise<boolean> {
  try {
    const ok = await argon2.verify(hash ?? UNKNOWN_USER_HASH, password);
    return hash !== null && ok;
  } catch {
    return false;
  }
}
