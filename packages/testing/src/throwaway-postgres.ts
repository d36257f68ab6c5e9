import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A PostgreSQL cluster of a test's own, on its own port, which the test may stop and start. */
export interface ThrowawayPostgres {
  /** The superuser's URL of its `postgres` database. */
  readonly url: string;
  /** Stops the server as an operator's restart would (fast: running sessions are ended). */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it for good and removes its files. */
  destroy(): Promise<void>;
}

/** The binaries of the newest PostgreSQL installed (Debian keeps them out of PATH). */
function binaries(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .map(Number)
        .filter((v) => Number.isInteger(v))
        .sort((a, b) => b - a)
    : [];
  const [newest] = versions;
  if (newest === undefined) throw new Error(`no PostgreSQL found in ${root}`);
  return path.join(root, String(newest), 'bin');
}

/** A TCP port nothing listens on now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (typeof address === 'object' && address !== null) resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}

/**
 * Makes and starts a cluster in a temporary folder (trust authentication, listening on
 * 127.0.0.1 only, durability off for speed). PostgreSQL refuses to run as root: as root,
 * its commands run as the `postgres` user.
 */
export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const bin = binaries();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pulsegap-pg-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const { stdout: uid } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(dir, Number(uid.trim()), Number(gid.trim()));
  }
  const postgres = (command: string, args: string[]) =>
    asRoot
      ? run('runuser', ['-u', 'postgres', '--', path.join(bin, command), ...args])
      : run(path.join(bin, command), args);
  const data = path.join(dir, 'data');
  await postgres('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const port = await freePort();
  const options = [
    `-p ${String(port)}`,
    `-k ${dir}`,
    `-c listen_addresses=127.0.0.1`,
    '-c fsync=off',
    '-c full_page_writes=off',
  ].join(' ');
  const logFile = path.join(dir, 'log');
  const start = async () => {
    await postgres('pg_ctl', ['-D', data, '-o', options, '-l', logFile, '-w', 'start']);
  };
  const stop = async () => {
    await postgres('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
  };
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${String(port)}/postgres`,
    start,
    stop,
    async destroy() {
      await postgres('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(
        () => undefined,
      );
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
