import type { ChildProcess } from 'node:child_process';

/**
 * Stops a process a test started: SIGTERM, then SIGKILL if it has not exited after
 * `graceMs`. Resolves once it has exited (at once if it already had).
 */
export function stopProcess(child: ChildProcess, graceMs = 5_000): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve();
      return;
    }
    const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
