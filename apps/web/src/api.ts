import { ProblemError, requestFile, requestJson, type JsonRequest } from './http.js';
import { endSession } from './session.js';

/** The API answered 401: the token is gone and the app is on its way back to sign-in. */
export class SessionEndedError extends Error {
  constructor() {
    super('The session has ended.');
    this.name = 'SessionEndedError';
  }
}

/**
 * Runs a request made with the signed-in user's bearer token: a 401 ends the session (see
 * {@link endSession}) and rejects with {@link SessionEndedError}; any other error status
 * rejects with its `ProblemError`.
 */
async function withSession<T>(request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    if (error instanceof ProblemError && error.status === 401) {
      endSession();
      throw new SessionEndedError();
    }
    throw error;
  }
}

/** Calls an API route with the bearer token and parses the JSON answer with `parse`. */
export function callApi<T>(
  path: string,
  token: string,
  parse: (body: unknown) => T,
  request: JsonRequest = {},
): Promise<T> {
  return withSession(() =>
    requestJson(path, parse, {
      ...request,
      headers: { ...request.headers, Authorization: `Bearer ${token}` },
    }),
  );
}

/**
 * Downloads a file an API route answers with (the brief as Markdown, the CSV export) with the
 * session's bearer token, and hands it to the browser to save, so a signed-in user never
 * pastes a token. The file keeps the name the API gives it, else `fallbackName`.
 */
export async function downloadFile(
  path: string,
  token: string,
  fallbackName: string,
): Promise<void> {
  const file = await withSession(() =>
    requestFile(path, { headers: { Authorization: `Bearer ${token}` } }),
  );
  const url = URL.createObjectURL(file.blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = file.filename ?? fallbackName;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // After the click has handed the file over.
  setTimeout(() => {
    URL.revokeObjectURL(url);
  }, 0);
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
