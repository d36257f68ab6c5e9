import { signal } from '@preact/signals';
import { callApi } from '../api.js';
import type { JsonRequest } from '../http.js';
import { endSession, readClaims, readToken, type Role } from '../session.js';

/** The signed-in user as the app knows them: the token for the API and the role for the views. */
export interface SignedIn {
  token: string;
  role: Role;
  expiresAt: number | null;
}

/** The token of this tab, if it is still readable and not expired. */
export function currentSession(now = Date.now()): SignedIn | null {
  const token = readToken();
  if (token === null) return null;
  const claims = readClaims(token);
  if (claims === null || (claims.expiresAt !== null && claims.expiresAt <= now)) return null;
  return { token, ...claims };
}

/** Who is signed in; null shows the sign-in form. */
export const session = signal<SignedIn | null>(currentSession());

/**
 * Calls the API as the signed-in user (see `callApi` in `api.ts`: a 401 ends the session and
 * returns to sign-in). Views call this, never `fetch`.
 */
export function api<T>(
  path: string,
  parse: (body: unknown) => T,
  request: JsonRequest = {},
): Promise<T> {
  const signedIn = session.value;
  if (signedIn === null) {
    endSession();
    return Promise.reject(new Error('Not signed in.'));
  }
  return callApi(path, signedIn.token, parse, request);
}

/** Answers with no body to read (204). */
export function nothing(): null {
  return null;
}
