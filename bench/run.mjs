#!/usr/bin/env node
// `npm run bench -- <name>`: makes sure PostgreSQL, Redis and Chromium are there, then runs
// bench/<name>.ts with the workspace packages resolved to
// their TypeScript sources (the `pulsegap-source` export condition) through tsx.
import { spawn, spawnSync } from 'node:child_process';
import process from 'node:process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BENCHMARKS = [
  'intake',
  'issuance',
  'close',
  'gaps-api',
  'run-start',
  'dashboard',
  'soak',
  'fuzz',
  'room',
];
const here = path.dirname(fileURLToPath(import.meta.url));
const name = process.argv[2];

if (name === undefined || !BENCHMARKS.includes(name)) {
  process.stderr.write(
    `${name === undefined ? 'No benchmark given' : `Unknown benchmark "${name}"`}. ` +
      `Usage: npm run bench -- <name>, where <name> is one of: ${BENCHMARKS.join(', ')}\n`,
  );
  process.exit(2);
}

// What every benchmark needs running (PostgreSQL, Redis, Chromium), started when it is not.
const services = spawnSync('bash', [path.join(here, '..', 'infra/dev/ensure-services.sh')], {
  stdio: 'inherit',
});
if (services.status !== 0) process.exit(services.status ?? 1);

const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--conditions=pulsegap-source', path.join(here, `${name}.ts`)],
  { cwd: path.resolve(here, '..'), stdio: 'inherit' },
);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => child.kill(signal));
}
child.on('exit', (code, signal) => {
  process.exit(code ?? (signal === null ? 1 : 128));
});
