import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import type { Config } from '@pulsegap/config';
import { TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyRequest,
} from 'fastify';
import app, { type AppOptions } from './app.js';
import { sendProblem } from './plugins/problem.js';

const BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * How long a client may take: to send a request's headers, the whole request, and to send
 * the next request on a kept-alive connection; and how long a connection may sit silent.
 * A client that sends slowly or not at all is cut off instead of holding the connection.
 */
export const TIMEOUTS_MS = {
  headers: 10_000,
  request: 30_000,
  keepAlive: 5_000,
  idle: 60_000,
} as const;

/** What `createHttpServer` needs: the app's options and, optionally, where logs go. */
export interface HttpServerOptions extends AppOptions {
  /** Destination of the log lines (default: standard output), e.g. for tests that read them. */
  readonly logStream?: NodeJS.WritableStream;
}

/**
 * A Fastify instance with the app registered: request logging through pino, body limits,
 * TypeBox validation. Used by the processes and by the tests (with `inject`); the caller
 * may still add hooks before it listens.
 */
export async function createHttpServer(options: HttpServerOptions): Promise<FastifyInstance> {
  const { logStream, ...appOptions } = options;
  // Routes that log nothing (the employee routes) share one silent logger: a child per
  // request with its own level costs pino a rebuild of every log method each time.
  let silent: FastifyBaseLogger | undefined;
  const fastify = Fastify({
    logger: {
      ...loggerOptions(options.config),
      ...(logStream === undefined ? {} : { stream: logStream }),
    },
    // Fastify's own ids count up per process, so neighbouring requests could be lined up
    // in the logs (a silent request leaves a gap in the count): random ids say nothing.
    genReqId: () => randomUUID(),
    bodyLimit: BODY_LIMIT_BYTES,
    requestTimeout: TIMEOUTS_MS.request,
    keepAliveTimeout: TIMEOUTS_MS.keepAlive,
    connectionTimeout: TIMEOUTS_MS.idle,
    // Node checks the header and request timeouts this often (30 s by default).
    http: { headersTimeout: TIMEOUTS_MS.headers, connectionsCheckingInterval: 1_000 },
    clientErrorHandler: answerClientError,
    trustProxy: (_address: string, hop: number) => hop < options.config.trustProxyHops,
    ajv: { customOptions: { removeAdditional: false } },
    childLoggerFactory: (logger, bindings, childOptions) =>
      childOptions.level === 'silent'
        ? (silent ??= logger.child({}, { level: 'silent' }))
        : logger.child(bindings, childOptions),
    // A malformed URL (a stray `%`) or an over-long path parameter is refused before any
    // route is found, so the error handler never sees it: answer it as a problem too, and
    // without echoing the URL (it may hold a personal link's secret).
    frameworkErrors: (error, _request, reply) => {
      const status = error.statusCode ?? 400;
      void sendProblem(reply, {
        status,
        title: status === 414 ? 'URI Too Long' : 'Bad Request',
        detail: status === 414 ? 'A part of the URL is too long.' : 'The URL is not valid.',
        code: error.code.replace(/^FST_ERR_/, 'PG_ERR_'),
      });
    },
  })
    .setValidatorCompiler(TypeBoxValidatorCompiler)
    .withTypeProvider<TypeBoxTypeProvider>();
  // While the server stops, an answer to a request that was under way closes its
  // connection, so the server is closed as soon as the last one is answered rather than
  // when the client's kept-alive connection times out.
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (stopping.has(fastify)) reply.header('connection', 'close');
    done(null, payload);
  });
  await fastify.register(app, appOptions);
  return fastify;
}

/** Servers told to stop by `closeHttpServer`. */
const stopping = new WeakSet<FastifyInstance>();

/**
 * Stops a listening server within `deadlineMs`: it takes no new requests, lets those under
 * way finish (each answer closing its connection), and cuts whatever connection is still open (a request sent halfway, never
 * finished) two seconds before the deadline.
 */
export async function closeHttpServer(server: FastifyInstance, deadlineMs: number): Promise<void> {
  stopping.add(server);
  setTimeout(() => {
    server.server.closeAllConnections();
  }, deadlineMs - 2_000).unref();
  await server.close();
}

/**
 * What a connection gets when its request cannot be read at all (too slow, headers too
 * large, not HTTP): a problem document like every other error, then the connection closes.
 */
function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, title, detail, code] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'Request Timeout', 'The request did not arrive in time.', 'PG_ERR_REQUEST_TIMEOUT']
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [
            431,
            'Request Header Fields Too Large',
            'The headers are too large.',
            'PG_ERR_HEADERS_TOO_LARGE',
          ]
        : [400, 'Bad Request', 'The request is not valid HTTP.', 'PG_ERR_BAD_REQUEST'];
  const body = JSON.stringify({ type: 'about:blank', title, status, detail, code });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${String(status)} ${title}\r\nContent-Type: application/problem+json\r\n` +
        `Content-Length: ${String(Buffer.byteLength(body))}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

// The secret of a personal link names a person. The employee routes log nothing, but a
// request that misses them (a trailing slash, another method) reaches the not-found
// handler, which logs its URL: the segment after /answer/ or /invite/ is never written.
const PERSONAL_LINK = /\/(answer|invite)\/[^/?#]*/g;

function loggerOptions(config: Config) {
  return {
    level: config.logLevel,
    redact: ['req.headers.authorization', 'req.headers.cookie'],
    serializers: {
      // Fastify's own request serializer, with personal links' secrets left out.
      req: (request: FastifyRequest) => ({
        method: request.method,
        url: request.url.replace(PERSONAL_LINK, '/$1/[secret]'),
        version: headerValue(request.headers['accept-version']),
        host: request.host,
        remoteAddress: request.ip,
        remotePort: request.socket.remotePort,
      }),
    },
  };
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}
