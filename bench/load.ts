// The load generator, run as a child process of a benchmark (see `LoadGenerator` in
// harness.ts): autocannon's programmatic API, one job per message, each request built from
// the next line of a pool of prepared requests.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';

/** What the benchmark asks for. */
export interface LoadJob {
  readonly url: string;
  readonly connections: number;
  readonly seconds: number;
  /**
   * `submission`: each line is the JSON body of `POST /api/v1/responses` (or the baseline's
   * path, given in `url`). `token`: each line is `<invitation secret> <JSON body>` for
   * `POST /api/v1/invite/<secret>/token`. `get`: each line is the path (and query) of a GET.
   */
  readonly kind: 'submission' | 'token' | 'get';
  /** Sent with every request besides the content type (e.g. `authorization`). */
  readonly headers: Readonly<Record<string, string>>;
  /** `once`: every line at most once; `cycle`: round and round. */
  readonly pool: 'once' | 'cycle';
  readonly file: string;
}

/** What came back. */
export interface LoadResult {
  /** Responses with a 2xx status. */
  readonly ok: number;
  readonly non2xx: number;
  readonly statusCodes: Record<string, number>;
  readonly errors: number;
  readonly timeouts: number;
  /** Seconds, as autocannon measured the window. */
  readonly duration: number;
  /** Latency of 2xx responses, milliseconds, from autocannon's histogram. */
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  /**
   * The same latencies, exact: nearest-rank percentiles of every 2xx response's time as
   * autocannon measured it (from writing the request to the end of the response),
   * fractional milliseconds. autocannon's own histogram has no p95.
   */
  readonly exact: { readonly p50: number; readonly p95: number; readonly p99: number };
  /** 2xx responses received in each second of the window (the last may be partial). */
  readonly perSecondCounts: readonly number[];
  /** Every 2xx response's latency as autocannon measured it, milliseconds, ascending. */
  readonly latencies: readonly number[];
  /** Lines taken from the pool (some may have been built but not sent when time ran out). */
  readonly taken: number;
  /** Indexes of the lines whose request was answered with a 2xx. */
  readonly acknowledged: number[];
  /** A `once` pool ran out: the last line was sent again. */
  readonly exhausted: boolean;
}

/** The nearest-rank `p`th percentile of values sorted ascending (0 for none). */
export function nearestRank(sorted: readonly number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

interface Context {
  line?: number;
}

async function run(job: LoadJob): Promise<LoadResult> {
  // Line by line: a long window's lines together exceed the longest string V8 makes.
  const lines: string[] = [];
  for await (const line of createInterface({ input: createReadStream(job.file) })) {
    lines.push(line);
  }
  const base = new URL(job.url);
  let next = 0;
  let exhausted = false;
  const acknowledged: number[] = [];
  const take = (): number => {
    if (next >= lines.length) {
      if (job.pool === 'cycle') {
        next = 0;
      } else {
        exhausted = true;
        return lines.length - 1;
      }
    }
    const line = next;
    next += 1;
    return line;
  };
  const latencies: number[] = [];
  const perSecondCounts: number[] = [];
  const options: autocannon.Options = {
    url: job.url,
    connections: job.connections,
    duration: job.seconds,
    pipelining: 1,
    requests: [
      {
        method: job.kind === 'get' ? 'GET' : 'POST',
        headers: {
          ...(job.kind === 'get' ? {} : { 'content-type': 'application/json' }),
          ...job.headers,
        },
        setupRequest: (request, context: Context) => {
          const line = take();
          context.line = line;
          const text = lines[line] ?? '';
          if (job.kind === 'get') return { ...request, path: text };
          if (job.kind === 'submission') return { ...request, path: base.pathname, body: text };
          const space = text.indexOf(' ');
          return {
            ...request,
            path: `/api/v1/invite/${text.slice(0, space)}/token`,
            body: text.slice(space + 1),
          };
        },
        // With one request in flight per connection, the context still names the line of
        // the request this response answers (the next one is built after this call).
        onResponse: (status, _body, context: Context) => {
          if (status >= 200 && status < 300 && context.line !== undefined) {
            acknowledged.push(context.line);
          }
        },
      },
    ],
  };
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(options, (error: unknown, done: autocannon.Result) => {
      if (error === null || error === undefined) resolve(done);
      else
        reject(error instanceof Error ? error : new Error('autocannon failed', { cause: error }));
    });
    const started = performance.now();
    instance.on('response', (_client, status, _bytes, milliseconds) => {
      if (status < 200 || status >= 300) return;
      latencies.push(milliseconds);
      const second = Math.floor((performance.now() - started) / 1000);
      perSecondCounts[second] = (perSecondCounts[second] ?? 0) + 1;
    });
  });
  latencies.sort((x, y) => x - y);
  const percentile = (p: number) => nearestRank(latencies, p);
  const statusCodes: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) {
    statusCodes[code] = stat.count ?? 0;
  }
  return {
    ok: result['2xx'],
    non2xx: result.non2xx,
    statusCodes,
    errors: result.errors,
    timeouts: result.timeouts,
    duration: result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    exact: { p50: percentile(50), p95: percentile(95), p99: percentile(99) },
    // A second without a 2xx leaves a hole: counted as 0.
    perSecondCounts: Array.from(
      { length: perSecondCounts.length },
      (_, i) => perSecondCounts[i] ?? 0,
    ),
    latencies,
    taken: Math.min(next, lines.length),
    acknowledged,
    exhausted,
  };
}

process.on('message', (job: LoadJob) => {
  run(job).then(
    (result) => process.send?.(result),
    (error: unknown) => process.send?.({ error: String(error) }),
  );
});
process.on('disconnect', () => process.exit(0));
