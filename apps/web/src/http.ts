/*
 * The low-level talk with the API that every page shares: JSON in and out, and errors read from
 * `application/problem+json` bodies. Nothing here knows about sign-in; `api.ts` adds the bearer
 * token for the signed-in pages, while the employee's answer page calls these directly.
 */

export const API_BASE = '/api/v1';

/**
 * An error answer from the API, read from its `application/problem+json` body (RFC 9457).
 * `detail` is written for people and is what the pages show.
 */
export class ProblemError extends Error {
  readonly status: number;
  readonly title: string;
  readonly detail: string;
  /** The whole problem document, for the members a page reads beyond `detail` (`errors`…). */
  readonly body: unknown;

  constructor(status: number, title: string, detail: string, body: unknown = null) {
    super(detail);
    this.name = 'ProblemError';
    this.status = status;
    this.title = title;
    this.detail = detail;
    this.body = body;
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
  return new ProblemError(response.status, title, detail, body);
}

export interface JsonRequest {
  method?: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Sent as JSON, or as it is when `contentType` names another type (a CSV file). */
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/**
 * Calls an API route and parses its JSON answer with `parse` (an empty body parses as `null`).
 * An error status rejects with the {@link ProblemError} its body describes.
 */
export async function requestJson<T>(
  path: string,
  parse: (body: unknown) => T,
  request: JsonRequest = {},
): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', ...request.headers };
  const init: RequestInit = { method: request.method ?? 'GET', headers };
  if (request.body !== undefined) {
    headers['Content-Type'] = request.contentType ?? 'application/json';
    init.body =
      request.contentType && typeof request.body === 'string'
        ? request.body
        : JSON.stringify(request.body);
  }
  if (request.signal) init.signal = request.signal;

  const response = await fetch(`${API_BASE}${path}`, init);
  if (!response.ok) throw await readProblem(response);
  const text = await response.text();
  if (text === '') return parse(null);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ContractError(path);
  }
  return parse(body);
}

/** A file the API answered with: its bytes, and the name its `Content-Disposition` gives. */
export interface DownloadedFile {
  readonly blob: Blob;
  readonly filename: string | null;
}

/** GETs an API route that answers with a file. An error status rejects with its `ProblemError`. */
export async function requestFile(
  path: string,
  request: Pick<JsonRequest, 'headers' | 'signal'> = {},
): Promise<DownloadedFile> {
  const init: RequestInit = { headers: { ...request.headers } };
  if (request.signal) init.signal = request.signal;
  const response = await fetch(`${API_BASE}${path}`, init);
  if (!response.ok) throw await readProblem(response);
  const disposition = response.headers.get('content-disposition') ?? '';
  const filename = /filename="?([^";]+)"?/i.exec(disposition)?.[1] ?? null;
  return { blob: await response.blob(), filename };
}

/** Text for a failure the user should read: problem details as the API wrote them. */
export function describeFailure(error: unknown): string {
  if (error instanceof ProblemError || error instanceof ContractError) return error.message;
  if (error instanceof TypeError) return 'The server could not be reached. Check the connection.';
  return 'Something went wrong. Reload the page to try again.';
}
