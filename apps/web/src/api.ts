import { ProblemError, requestJson, type JsonRequest } from './http.js';
import { endSession } from './session.js';

/** The API answered 401: the token is gone and the app is on its way back to sign-in. */
export class SessionEndedError extends Error {
  constructor() {
    super('The session has ended.');
    this.name = 'SessionEndedError';
  }
}

/**
 * Calls an API route with the signed-in user's bearer token and parses the JSON answer with
 * `parse`. A 401 ends the session (see {@link endSession}) and rejects with
 * {@link SessionEndedError}; any other error status rejects with its `ProblemError`.
 */
export async function callApi<T>(
  path: string,
  token: string,
  parse: (body: unknown) => T,
  request: JsonRequest = {},
): Promise<T> {
  try {
    return await requestJson(path, parse, {
      ...request,
      headers: { ...request.headers, Authorization: `Bearer ${token}` },
    });
  } catch (error) {
    if (error instanceof ProblemError && error.status === 401) {
      endSession();
      throw new SessionEndedError();
    }
    throw error;
  }
}

/** GETs an API route with the bearer token; see {@link callApi}. */
export function getJson<T>(
  path: string,
  token: string,
  parse: (body: unknown) => T,
  signal?: AbortSignal,
): Promise<T> {
  return callApi(path, token, parse, signal ? { signal } : {});
}
