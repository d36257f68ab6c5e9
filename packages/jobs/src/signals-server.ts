import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** What a probe says: ready, or not and why (the reason is for operators, not secrets). */
export type ProbeResult = { readonly ok: true } | { readonly ok: false; readonly detail: string };

/** Options of `startSignalsServer`. */
export interface SignalsServerOptions {
  readonly host: string;
  /** 0 picks a free port (tests); see `SignalsServer.port`. */
  readonly port: number;
  /** What `GET /metrics` exposes. */
  readonly registry: Registry;
  /** When set, `/metrics` asks for `Authorization: Bearer <token>`; probes never do. */
  readonly token: string | null;
  /** Further `GET` paths answered by a probe (`/healthz`, `/readyz`): 200 or 503. */
  readonly probes?: Readonly<Record<string, () => ProbeResult | Promise<ProbeResult>>>;
}

/** A listening signals server. */
export interface SignalsServer {
  readonly port: number;
  /** Stops listening and ends its connections (a scraper's kept-alive one included). */
  close(): Promise<void>;
}

/**
 * The operators' listener, apart from the public port: `GET /metrics` in Prometheus' text
 * format (behind a bearer token when one is configured) and the probes it is given. The
 * worker serves its health and metrics here; the API its metrics, so that no route of the
 * public port exposes them. Anything else is a 404.
 */
export async function startSignalsServer(options: SignalsServerOptions): Promise<SignalsServer> {
  const expected = options.token === null ? null : digest(options.token);
  const probes = new Map(Object.entries(options.probes ?? {}));
  const server = createServer((request, response) => {
    answer(request, response).catch(() => {
      if (!response.headersSent) send(response, 500, problem(500, 'Internal Server Error', ''));
      else response.destroy();
    });
  });
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;

  async function answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('Allow', 'GET, HEAD');
      send(response, 405, problem(405, 'Method Not Allowed', 'Only GET and HEAD are served.'));
      return;
    }
    if (path === '/metrics') {
      if (expected !== null && !authorized(request.headers.authorization, expected)) {
        response.setHeader('WWW-Authenticate', 'Bearer');
        send(response, 401, problem(401, 'Unauthorized', 'The metrics need the bearer token.'));
        return;
      }
      const body = await options.registry.metrics();
      response.writeHead(200, {
        'Content-Type': options.registry.contentType,
        'Cache-Control': 'no-store',
      });
      response.end(request.method === 'HEAD' ? undefined : body);
      return;
    }
    const probe = probes.get(path);
    if (probe === undefined) {
      send(response, 404, problem(404, 'Not Found', 'No such path.'));
      return;
    }
    const result = await probe();
    if (result.ok) send(response, 200, { status: 'ok' }, 'application/json');
    else send(response, 503, problem(503, 'Service Unavailable', `Not ready: ${result.detail}`));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Whether the header carries the token, compared in constant time (as digests). */
function authorized(header: string | undefined, expected: Buffer): boolean {
  const match = /^Bearer (.+)$/i.exec(header ?? '');
  return match?.[1] !== undefined && timingSafeEqual(digest(match[1]), expected);
}

function problem(status: number, title: string, detail: string) {
  return { type: 'about:blank', title, status, detail };
}

function send(
  response: ServerResponse,
  status: number,
  body: object,
  type = 'application/problem+json',
): void {
  response.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
  response.end(JSON.stringify(body));
}
