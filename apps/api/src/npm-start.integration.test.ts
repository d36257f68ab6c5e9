import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@pulsegap/testing';
import { afterAll, describe, expect, test, vi } from 'vitest';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** Whether a process of that id is alive. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Whether something accepts connections on the port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => {
      resolve(false);
    });
  });
}

// `npm start` as a newcomer runs it, stopped as a terminal or a process manager stops it:
// a signal to npm. npm passes it to the shell of the script, which must not leave the
// server running as an orphan. (Built already: `--no-build` skips the build, which would
// rewrite the pages other tests serve.)
describe('npm start', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pulsegap-start-'));
  let npm: ChildProcess | undefined;
  let serverPid: number | undefined;

  afterAll(() => {
    if (npm?.exitCode === null) npm.kill('SIGKILL');
    if (serverPid !== undefined && alive(serverPid)) process.kill(serverPid, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('stops the server when npm gets SIGTERM: the port closes and no process is left', async () => {
    const port = await freePort();
    let output = '';
    const child = spawn('npm', ['start', '--', '--no-build'], {
      cwd: ROOT,
      env: {
        ...process.env,
        NODE_ENV: 'development',
        LOG_LEVEL: 'info',
        PORT: String(port),
        DATA_DIR: dataDir,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    npm = child;
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<void>((resolve) => {
      child.once('exit', () => {
        resolve();
      });
    });

    // The server's own log names its process.
    const pid = await vi.waitFor(
      () => {
        expect(output).toContain(`Pulsegap is running at http://localhost:${String(port)}/`);
        const match = /"pid":(\d+)[^\n]*"msg":"Server listening/.exec(output);
        expect(match, output).not.toBeNull();
        return Number(match?.[1]);
      },
      { timeout: 90_000, interval: 250 },
    );
    serverPid = pid;
    expect(pid).not.toBe(child.pid);
    expect(await listening(port)).toBe(true);

    child.kill('SIGTERM');
    await exited;
    await vi.waitFor(
      async () => {
        expect(alive(pid)).toBe(false);
        expect(await listening(port)).toBe(false);
      },
      { timeout: 15_000, interval: 100 },
    );
    expect(output).toContain('"msg":"shutting down"');
  }, 120_000);
});
