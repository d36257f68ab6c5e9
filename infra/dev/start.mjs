// `npm start`: builds (unless `npm start -- --no-build`), then runs the embedded server in
// this very process, and stops it when told to. npm hands SIGTERM and SIGINT to the shell
// it ran the script in (`sh -c`), and a shell such as dash neither passes them on nor
// hands over to its command: it dies, and the server it started would go on as an orphan.
// So the server also stops when its parent is gone; where a signal does reach it (Ctrl+C
// reaches the whole terminal's group), it stops on that as `npm run api` does.
import { spawnSync } from 'node:child_process';
import module from 'node:module';
import process from 'node:process';
import { setInterval } from 'node:timers';

const PARENT_CHECK_MS = 250;

if (!process.argv.includes('--no-build')) {
  const build = spawnSync('npm', ['run', 'build'], {
    stdio: 'inherit',
    // npm is a .cmd file on Windows, which only a shell runs.
    shell: process.platform === 'win32',
  });
  if (build.error !== undefined) throw build.error;
  if (build.status !== 0) process.exit(build.status ?? 1);
}

// As `node --enable-source-maps` would: stack traces name the TypeScript sources.
if (typeof module.setSourceMapsSupport === 'function') module.setSourceMapsSupport(true);
else process.setSourceMapsEnabled(true);

// A process whose parent dies is handed to another (init or a subreaper): its parent id
// changes. Windows keeps the old id, but there a console's Ctrl+C reaches every process.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.kill(process.pid, 'SIGTERM');
}, PARENT_CHECK_MS).unref();

await import('../../apps/api/dist/embedded.js');
