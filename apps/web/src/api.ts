import { endSession } from './session.js';

export const API_BASE = '/api/v1';

/**
 * An error answer from the API, read from its `application/problem+json` body (RFC 9457).
 * `detail` is written for people and is what the pages show.
 */
export class ProblemError extends Error {
  readonly status: number;
  readonly title: string;
  readonly detail: string;

  constructor(status: number, title: string, detail: string) {
    super(detail);
    this.name = 'ProblemError';
    this.status = status;
    this.title = title;
    this.detail = detail;
  }
}

/** The API answered 401: the token is gone and the browser is on its way to the login page. */
export class SessionEndedError extends Error {
  constructor() {
    super('The session has ended.');
    this.name = 'SessionEndedError';
  }
}

/** The API answered with a body the page does not understand. */
export class ContractError extends Error {
  constructor(where: string) {
    super(`The server sent an answer this page cannot read (${where}).`);
    this.name = 'ContractError';
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads a problem+json body, falling back to the status line when the body is something else. */
export async function readProblem(response: Response): Promise<ProblemError> {
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    // Not JSON (a proxy's HTML error page, an empty body): the status line must do.
  }
  const title =
    isRecord(body) && typeof body.title === 'string'
      ? body.title
      : response.statusText || 'Request failed';
  const detail =
    isRecord(body) && typeof body.detail === 'string' && body.detail !== ''
      ? body.detail
      : `${title} (HTTP ${response.status}).`;
  return new ProblemError(response.status, title, detail);
}

/**
 * GETs an API route with the bearer token and parses the JSON answer with `parse`.
 * A 401 ends the session (see {@link endSession}) and rejects with {@link SessionEndedError}.
 */
export async function getJson<T>(
  path: string,
  token: string,
  parse: (body: unknown) => T,
  signal?: AbortSignal,
): Promise<T> {
  const response = await fetch(`${API_BASE}${path}`, {
    headers: { Accept: 'application/json', Authorization: `Bearer ${token}` },
    ...(signal ? { signal } : {}),
  });
  if (response.status === 401) {
    endSession();
    throw new SessionEndedError();
  }
  if (!response.ok) throw await readProblem(response);
  return parse(await response.json());
}

/** Text for a failure the user should read: problem details as the API wrote them. */
export function describeFailure(error: unknown): string {
  if (error instanceof ProblemError || error instanceof ContractError) return error.message;
  if (error instanceof TypeError) return 'The server could not be reached. Check the connection.';
  return 'Something went wrong. Reload the page to try again.';
}
