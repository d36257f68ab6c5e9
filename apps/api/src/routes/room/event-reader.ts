/** One server-sent event. */
export interface ServerEvent {
  readonly event: string;
  readonly data: string;
}

/**
 * Reads a `text/event-stream` over a real socket (fetch streaming, as the facilitator's page
 * does): events in order, comment lines (the heartbeat) skipped. For the tests and the
 * benchmark.
 */
export class EventReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #decoder = new TextDecoder();
  readonly #controller: AbortController;
  #buffer = '';
  #ended = false;
  readonly response: Response;

  private constructor(response: Response, controller: AbortController) {
    this.response = response;
    this.#controller = controller;
    if (response.body === null) throw new Error('an event stream has no body');
    this.#reader = response.body.getReader();
  }

  /** Opens a stream; throws unless the answer is 200. */
  static async open(url: string, headers: Record<string, string> = {}): Promise<EventReader> {
    const controller = new AbortController();
    const response = await fetch(url, { headers, signal: controller.signal });
    if (response.status !== 200) {
      throw new Error(`${url} answered ${String(response.status)}: ${await response.text()}`);
    }
    return new EventReader(response, controller);
  }

  /** The next event, or null once the server ended the stream. */
  async next(): Promise<ServerEvent | null> {
    for (;;) {
      const end = this.#buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = this.#buffer.slice(0, end);
        this.#buffer = this.#buffer.slice(end + 2);
        const lines = block.split('\n').filter((l) => !l.startsWith(':'));
        if (lines.length === 0) continue;
        let event = 'message';
        const data: string[] = [];
        for (const line of lines) {
          if (line.startsWith('event: ')) event = line.slice(7);
          else if (line.startsWith('data: ')) data.push(line.slice(6));
        }
        return { event, data: data.join('\n') };
      }
      if (this.#ended) return null;
      const chunk = await this.#reader.read().catch(() => ({ done: true, value: undefined }));
      if (chunk.done) this.#ended = true;
      else this.#buffer += this.#decoder.decode(chunk.value, { stream: true });
    }
  }

  /** The first event whose data, parsed, satisfies `accept`; throws if the stream ends first. */
  async until<T>(accept: (data: T) => boolean): Promise<T> {
    for (;;) {
      const event = await this.next();
      if (event === null) throw new Error('the event stream ended');
      const data = JSON.parse(event.data) as T;
      if (accept(data)) return data;
    }
  }

  close(): void {
    this.#controller.abort();
  }
}
