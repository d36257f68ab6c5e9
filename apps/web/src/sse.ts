/*
 * A reader of `text/event-stream` (the HTML standard's "server-sent events"), for a stream read
 * with `fetch` where `EventSource` will not do: the facilitator's stream needs the
 * `Authorization` header, which `EventSource` cannot send. Pure: text in, events out.
 */

/** One dispatched event: its type (`message` when unnamed), its data, and its id if any. */
export interface ServerSentEvent {
  readonly event: string;
  readonly data: string;
  readonly id: string | null;
}

/**
 * Reads a stream in pieces as they arrive (a piece may end anywhere, even inside a line or
 * between a CR and its LF) and returns the events each piece completes.
 */
export class EventStreamParser {
  private buffer = '';
  private eventType = '';
  private data: string[] = [];
  private lastId: string | null = null;
  private sawCarriageReturn = false;
  private started = false;
  /** The reconnection time the stream asked for (`retry:`), in milliseconds. */
  retry: number | null = null;

  /** Reads the next piece of the stream; returns the events it completed, in order. */
  feed(chunk: string): ServerSentEvent[] {
    let text = chunk;
    // A CR ending the previous piece already ended its line: a LF starting this one is its pair.
    if (this.sawCarriageReturn && text.startsWith('\n')) text = text.slice(1);
    this.sawCarriageReturn = text.endsWith('\r');
    if (!this.started && (this.buffer + text).length > 0) {
      this.started = true;
      // A byte order mark at the very start of the stream is not part of the first line.
      if (text.startsWith('\uFEFF')) text = text.slice(1);
    }
    this.buffer += text;
    const events: ServerSentEvent[] = [];
    const lines = this.buffer.split(/\r\n|\r|\n/);
    // The last part has no line ending yet: it waits for the next piece.
    this.buffer = lines.pop() ?? '';
    for (const line of lines) {
      const event = this.line(line);
      if (event !== null) events.push(event);
    }
    return events;
  }

  private line(line: string): ServerSentEvent | null {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return null;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.eventType = value;
        break;
      case 'data':
        this.data.push(value);
        break;
      case 'id':
        if (!value.includes('\u0000')) this.lastId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retry = Number(value);
        break;
      default:
        // Unknown fields are ignored, as the standard says.
        break;
    }
    return null;
  }

  private dispatch(): ServerSentEvent | null {
    const type = this.eventType;
    const data = this.data;
    this.eventType = '';
    this.data = [];
    // A block without data dispatches nothing.
    if (data.length === 0) return null;
    return { event: type === '' ? 'message' : type, data: data.join('\n'), id: this.lastId };
  }
}
