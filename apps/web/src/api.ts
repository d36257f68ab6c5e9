import { ProblemError, requestJson } from './http.js';
import { endSession } from './session.js';

/** The API answered 401: the token is gone and the browser is on its way to the login page. */
export class SessionEndedError extends Error {
  constructor() {
    super('The session has ended.');
    this.name = 'SessionEndedError';
  }
}

/**
 * GETs an API route with the signed-in user's bearer token and parses the JSON answer with
 * `parse`. A 401 ends the session (see {@link endSession}) and rejects with
 * {@link SessionEndedError}.
 */
export async function getJson<T>(
  path: string,
  token: string,
  parse: (body: unknown) => T,
  signal?: AbortSignal,
): Promise<T> {
  try {
    return await requestJson(path, parse, {
      headers: { Authorization: `Bearer ${token}` },
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    if (error instanceof ProblemError && error.status === 401) {
      endSession();
      throw new SessionEndedError();
    }
    throw error;
  }
}
