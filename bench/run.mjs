#!/usr/bin/env node
// `npm run bench -- <name>`: runs bench/<name>.ts with the workspace packages resolved to
// their TypeScript sources (the `pulsegap-source` export condition) through tsx.
import { spawn } from 'node:child_process';
import process from 'node:process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BENCHMARKS = ['intake', 'issuance', 'close', 'gaps-api', 'run-start', 'soak', 'fuzz'];
const here = path.dirname(fileURLToPath(import.meta.url));
const name = process.argv[2];

if (name === undefined || !BENCHMARKS.includes(name)) {
  process.stderr.write(
    `${name === undefined ? 'No benchmark given' : `Unknown benchmark "${name}"`}. ` +
      `Usage: npm run bench -- <name>, where <name> is one of: ${BENCHMARKS.join(', ')}\n`,
  );
  process.exit(2);
}

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
