import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { roomSessionState, withTenant, type RoomSessionState } from '@pulsegap/db';
import type { FastifyInstance, FastifyReply } from 'fastify';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import { roomPhoneView, sessionView } from '../services/room.js';

/** How often an open stream gets a comment line, so proxies and idle timers keep it open. */
export const HEARTBEAT_MS = 15_000;

/** Which view a stream carries: the facilitator's `session`, or the phones' `room`. */
export type RoomStreamKind = 'session' | 'room';

declare module 'fastify' {
  interface FastifyInstance {
    roomBus: RoomBus;
  }
}

/** Live updates of the room's sessions, across the API's replicas. */
export interface RoomBus {
  /** Tells every replica that a session changed; call after the change committed. */
  publish(organizationId: string, sessionId: string): void;
  /**
   * Turns the reply into an event stream of a session's views (one `event: <kind>` per
   * change, the first at once from `state`), ended when the session closes or the server
   * stops.
   */
  stream(
    reply: FastifyReply,
    kind: RoomStreamKind,
    organizationId: string,
    state: RoomSessionState,
  ): void;
}

export interface RoomBusOptions {
  /** With Redis, changes go through its pub/sub to every replica; without, within this process. */
  readonly redis?: Redis;
  /** Prefix of the channel (`QUEUE_PREFIX`), one per deployment. */
  readonly prefix?: string;
}

interface Stream {
  readonly kind: RoomStreamKind;
  readonly raw: ServerResponse;
  /** An event that could not be written yet (the client reads slowly): only the latest is kept. */
  pending: string | null;
}

interface Local {
  readonly organizationId: string;
  readonly streams: Set<Stream>;
  /** A change arrived while the views were being read: read them again after. */
  dirty: boolean;
  reading: boolean;
}

/**
 * The room's bus. A change is published after its transaction commits: on Redis, one
 * message on the deployment's channel, `{organizationId, sessionId}`, received by every
 * replica (each holds one subscriber connection); without Redis (the embedded service),
 * by this process alone. A replica with streams of that session reads the session's views
 * once and writes them to each of its streams; changes that arrive while it reads are
 * taken together by one more read. The message carries ids only: a replica with no stream
 * of the session reads nothing, a burst of answers costs each replica a few reads rather
 * than one per answer, and no figure of the room passes through Redis.
 */
export default fp(
  async (fastify: FastifyInstance, options: RoomBusOptions) => {
    const local = new Map<string, Local>();
    const emitter = new EventEmitter();
    emitter.setMaxListeners(0);
    const channel = `${options.prefix ?? 'pulsegap'}:room-changes`;

    const deliver = (message: string) => {
      let parsed: { organizationId?: unknown; sessionId?: unknown };
      try {
        parsed = JSON.parse(message) as typeof parsed;
      } catch {
        return;
      }
      if (typeof parsed.sessionId === 'string') void refresh(parsed.sessionId);
    };

    let subscriber: Redis | null = null;
    if (options.redis !== undefined) {
      subscriber = options.redis.duplicate({ maxRetriesPerRequest: null });
      subscriber.on('error', () => undefined);
      subscriber.on('message', (_channel: string, message: string) => {
        deliver(message);
      });
      // Subscribed before the server takes requests, unless Redis is out of reach: then
      // ioredis subscribes when it connects, and the API starts meanwhile.
      const subscribed = subscriber.subscribe(channel).then(
        () => true,
        (error: unknown) => {
          fastify.log.warn({ err: error }, 'the room bus could not subscribe');
          return false;
        },
      );
      await Promise.race([
        subscribed,
        new Promise((resolve) => setTimeout(resolve, 2_000).unref()),
      ]);
    } else {
      emitter.on('change', deliver);
    }

    const refresh = async (sessionId: string): Promise<void> => {
      const entry = local.get(sessionId);
      if (entry === undefined) return;
      entry.dirty = true;
      if (entry.reading) return;
      entry.reading = true;
      try {
        while (entry.dirty && entry.streams.size > 0) {
          entry.dirty = false;
          const state = await withTenant(fastify.db, entry.organizationId, (trx) =>
            roomSessionState(trx, sessionId),
          ).catch((error: unknown) => {
            fastify.log.warn({ err: error }, 'the room bus could not read a session');
            return null;
          });
          if (state !== null) write(sessionId, entry, state);
        }
      } finally {
        entry.reading = false;
      }
    };

    const write = (sessionId: string, entry: Local, state: RoomSessionState) => {
      const events = renderer(state);
      const closed = state.session.closedAt !== null;
      for (const stream of entry.streams) {
        send(stream, events(stream.kind));
        if (closed) end(sessionId, stream);
      }
    };

    const end = (sessionId: string, stream: Stream) => {
      const entry = local.get(sessionId);
      entry?.streams.delete(stream);
      if (entry !== undefined && entry.streams.size === 0) local.delete(sessionId);
      if (!stream.raw.writableEnded) {
        stream.raw.end(() => stream.raw.socket?.end());
      }
    };

    const heartbeat = setInterval(() => {
      for (const entry of local.values()) {
        for (const stream of entry.streams) {
          if (stream.pending === null && !stream.raw.writableNeedDrain) stream.raw.write(': \n\n');
        }
      }
    }, HEARTBEAT_MS);
    heartbeat.unref();

    const bus: RoomBus = {
      publish(organizationId, sessionId) {
        const message = JSON.stringify({ organizationId, sessionId });
        if (options.redis === undefined) {
          emitter.emit('change', message);
          return;
        }
        // If Redis cannot be reached, this replica's streams still hear of it.
        options.redis.publish(channel, message).catch(() => {
          deliver(message);
        });
      },
      stream(reply, kind, organizationId, state) {
        const raw = reply.raw;
        reply.hijack();
        raw.writeHead(200, {
          ...(reply.getHeaders() as Record<string, string>),
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache, no-transform',
          'x-accel-buffering': 'no',
          connection: 'keep-alive',
        });
        const sessionId = state.session.id;
        const stream: Stream = { kind, raw, pending: null };
        send(stream, renderer(state)(kind));
        if (state.session.closedAt !== null) {
          raw.end();
          return;
        }
        const entry =
          local.get(sessionId) ??
          ({ organizationId, streams: new Set(), dirty: false, reading: false } satisfies Local);
        local.set(sessionId, entry);
        entry.streams.add(stream);
        raw.on('close', () => {
          end(sessionId, stream);
        });
        raw.on('drain', () => {
          const pending = stream.pending;
          stream.pending = null;
          if (pending !== null) send(stream, pending);
        });
        // A change may have committed between the read of `state` and the subscription.
        void refresh(sessionId);
      },
    };
    fastify.decorate('roomBus', bus);

    // Streams never finish by themselves: end them before the server waits for its
    // connections to close, or a shutdown would hang on them.
    fastify.addHook('preClose', (done) => {
      clearInterval(heartbeat);
      for (const [sessionId, entry] of local) {
        for (const stream of [...entry.streams]) end(sessionId, stream);
      }
      done();
    });
    fastify.addHook('onClose', async () => {
      emitter.removeAllListeners();
      if (subscriber !== null) subscriber.disconnect();
    });
  },
  { name: 'room-bus', dependencies: ['database'] },
);

/** One event string per kind of view for a state, each rendered at most once. */
function renderer(state: RoomSessionState): (kind: RoomStreamKind) => string {
  const rendered = new Map<RoomStreamKind, string>();
  return (kind) => {
    let event = rendered.get(kind);
    if (event === undefined) {
      const view = kind === 'session' ? sessionView(state) : roomPhoneView(state);
      event = `event: ${kind}\ndata: ${JSON.stringify(view)}\n\n`;
      rendered.set(kind, event);
    }
    return event;
  };
}

function send(stream: Stream, event: string): void {
  if (stream.raw.writableEnded || stream.raw.destroyed) return;
  if (stream.raw.writableNeedDrain) {
    // Each event is the whole view: a slow reader gets the latest, not every one.
    stream.pending = event;
    return;
  }
  stream.raw.write(event);
}
