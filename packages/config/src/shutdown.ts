/** How long a process may take to stop after SIGTERM or SIGINT before it exits anyway. */
export const SHUTDOWN_DEADLINE_MS = 10_000;

/** What `stopOnSignals` logs with. */
export interface ShutdownLogger {
  info(object: object, message?: string): void;
  error(object: object, message?: string): void;
}

/**
 * On the first SIGTERM or SIGINT, runs `stop` (finish what is under way, close connections)
 * and exits 0 once it is done, or 1 if it fails or has not finished by the deadline: a
 * process told to stop always stops, whatever a client or a job holds open. Signals that
 * follow while it stops are ignored: Ctrl+C under npm reaches the process twice, from the
 * terminal and from npm, and the second must not cut the stop short.
 */
export function stopOnSignals(
  stop: (deadlineMs: number) => Promise<void>,
  logger: ShutdownLogger,
  deadlineMs = SHUTDOWN_DEADLINE_MS,
): void {
  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal, deadlineMs }, 'shutting down');
      setTimeout(() => {
        logger.error({ deadlineMs }, 'not stopped by the deadline; exiting');
        process.exit(1);
      }, deadlineMs).unref();
      stop(deadlineMs).then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'stopping failed');
          process.exit(1);
        },
      );
    });
  }
}
