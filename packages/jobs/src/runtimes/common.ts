/** The minimal logger the runtimes write to (pino's shape). */
export interface JobLogger {
  info(object: object, message?: string): void;
  error(object: object, message?: string): void;
}

/** A running job runtime; `close()` stops it and may be called more than once. */
export interface JobRuntime {
  close(): Promise<void>;
  /** Relays and runs everything pending now; resolves when done (tests, seed). */
  drain(): Promise<void>;
}

/** Outbox rows taken at a time. */
export const RELAY_BATCH = 100;

export function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new Error(message));
    }, ms);
  });
  return Promise.race([work, timeout]).finally(() => {
    clearTimeout(timer);
  });
}
