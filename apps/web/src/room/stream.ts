import { API_BASE, ProblemError, readProblem } from '../http.js';
import { reconnectDelay } from '../room-view.js';
import { endSession } from '../session.js';
import { EventStreamParser } from '../sse.js';

/** Where a followed stream stands: connected, or waiting to reconnect after it dropped. */
export type StreamState = 'connecting' | 'live' | 'reconnecting';

export interface FollowOptions {
  /** The API path of the stream, under `/api/v1`. */
  path: string;
  token: string;
  /** The event type to hand over; other events are ignored. */
  event: string;
  signal: AbortSignal;
  onData: (data: string) => void;
  onState: (state: StreamState) => void;
  /** The stream was refused for good (gone, forbidden): it is not tried again. */
  onRefused: (error: ProblemError) => void;
  /** Whether to reconnect after the stream ended (false once there is nothing left to follow). */
  shouldReconnect: () => boolean;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

/**
 * Follows a `text/event-stream` read with `fetch`, so that it can carry the signed-in user's
 * bearer token (`EventSource` cannot send headers). A dropped stream is reconnected after a
 * growing wait (1 s, 2 s, 4 s … 30 s), back to 1 s once events flow again. A 401 ends the
 * session; another refusal (403, 404) stops following. Resolves when `signal` aborts or the
 * stream is done.
 */
export async function followEventStream(options: FollowOptions): Promise<void> {
  const { signal } = options;
  // Read each time: an await may have aborted it.
  const stopped = (): boolean => signal.aborted;
  let attempt = 0;
  while (!stopped()) {
    try {
      const response = await fetch(`${API_BASE}${options.path}`, {
        headers: { Accept: 'text/event-stream', Authorization: `Bearer ${options.token}` },
        cache: 'no-store',
        signal,
      });
      if (response.status === 401) {
        endSession();
        return;
      }
      if (!response.ok || response.body === null) {
        const problem = await readProblem(response);
        if (response.status >= 400 && response.status < 500 && response.status !== 429) {
          options.onRefused(problem);
          return;
        }
        throw problem;
      }
      options.onState('live');
      const parser = new EventStreamParser();
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        for (const event of parser.feed(value)) {
          if (event.event !== options.event) continue;
          attempt = 0;
          options.onData(event.data);
        }
      }
    } catch (error) {
      if (stopped()) return;
      if (!(error instanceof TypeError || error instanceof ProblemError)) throw error;
      // A network failure or a server error: tried again below.
    }
    if (stopped() || !options.shouldReconnect()) return;
    options.onState('reconnecting');
    await sleep(reconnectDelay(attempt), signal);
    attempt += 1;
  }
}
