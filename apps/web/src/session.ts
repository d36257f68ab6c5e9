/** Where the signed-in user's bearer token lives for this browser tab. */
export const TOKEN_KEY = 'pulsegap.token';
/** Why the last session ended, for the sign-in form to say once. */
const ENDED_KEY = 'pulsegap.sessionEnded';

export const SESSION_EXPIRED = 'Your session has expired. Sign in again to go on.';

export type Role = 'admin' | 'executive';

/** What the app reads from the token: who may see what, and until when. */
export interface SessionClaims {
  role: Role;
  /** When the token expires, in milliseconds since the epoch; null when it does not say. */
  expiresAt: number | null;
}

export function readToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function storeToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token);
}

/**
 * The role and expiry a JWT carries in its payload. The API checks the signature and the role
 * on every request; the app reads them only to show the right navigation. Null for a token it
 * cannot read, which is then treated as no session.
 */
export function readClaims(token: string): SessionClaims | null {
  const payload = token.split('.')[1];
  if (payload === undefined) return null;
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const claims: unknown = JSON.parse(json);
    if (typeof claims !== 'object' || claims === null) return null;
    const { role, exp } = claims as { role?: unknown; exp?: unknown };
    if (role !== 'admin' && role !== 'executive') return null;
    return { role, expiresAt: typeof exp === 'number' ? exp * 1000 : null };
  } catch {
    return null;
  }
}

/**
 * Forgets the token and reloads the app at the same address, which then asks to sign in with
 * `reason` and, once signed in, opens the same view again.
 */
export function endSession(reason = SESSION_EXPIRED): void {
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.setItem(ENDED_KEY, reason);
  window.location.reload();
}

/** Why the last session ended, said once. */
export function takeSessionEndReason(): string {
  const reason = sessionStorage.getItem(ENDED_KEY) ?? '';
  sessionStorage.removeItem(ENDED_KEY);
  return reason;
}
