/**
 * Lays out the runtime stage of infra/Dockerfile in a folder, as a container build would,
 * where no container builder can run (no Docker engine, no registry for the base image).
 *
 * The build stage is taken to be this checkout after `npm ci` and `npm run build` (which
 * `npm test` runs first): the paths the runtime stage copies from it are copied from the
 * checkout into a scratch build folder, and the build stage's other RUN commands (the
 * pruning) run there. Then every instruction of the runtime stage is carried out in order in
 * the layout folder: COPY from the build context (the repository) or from the build folder,
 * RUN with `sh`, except that `npm ci` also gets `--prefer-offline` (the packages come from
 * this machine's npm cache where it has them) and `npm cache clean` is skipped (the cache is
 * this machine's, not the image's).
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  parseCopy,
  parseDockerfile,
  runtimeSettings,
  type RuntimeSettings,
  type Stage,
} from './dockerfile.js';

const run = promisify(execFile);

/** The runtime stage, laid out. */
export interface Layout extends RuntimeSettings {
  /** The folder that stands for the runtime stage's WORKDIR. */
  readonly root: string;
  /** What was done, one line per step, for a failing check's message. */
  readonly steps: readonly string[];
}

function inside(workdir: string, target: string): string {
  if (!path.posix.isAbsolute(target)) return target;
  const relative = path.posix.relative(workdir, target);
  if (relative.startsWith('..')) throw new Error(`${target} is outside ${workdir}`);
  return relative;
}

/** COPY's rule: a file into a folder (`dest/`) keeps its name; a folder's contents are copied. */
function copy(from: string, to: string, intoFolder: boolean): void {
  if (!existsSync(from)) throw new Error(`${from} is missing (run npm run build first?)`);
  const target = intoFolder && statSync(from).isFile() ? path.join(to, path.basename(from)) : to;
  mkdirSync(path.dirname(target), { recursive: true });
  cpSync(from, target, { recursive: true });
}

/** One `&&`-joined part of a RUN command, carried out as the check does it (see above). */
async function runPart(part: string, cwd: string, stage: 'build' | 'runtime'): Promise<string> {
  if (/^npm cache clean\b/.test(part)) return `skipped: ${part} (this machine's cache)`;
  if (stage === 'build' && /^npm (ci|run build)\b/.test(part)) {
    return `skipped: ${part} (the checkout's own)`;
  }
  if (/^npm ci\b/.test(part)) {
    const args = [...part.split(' ').slice(1), '--prefer-offline'];
    await run('npm', args, { cwd, maxBuffer: 16 * 1024 * 1024 });
    return `ran: npm ${args.join(' ')}`;
  }
  await run('sh', ['-c', part], { cwd, maxBuffer: 16 * 1024 * 1024 });
  return `ran: ${part}`;
}

async function runCommand(args: string, cwd: string, stage: 'build' | 'runtime', steps: string[]) {
  for (const part of args.split(/\s+&&\s+/)) steps.push(await runPart(part.trim(), cwd, stage));
}

/**
 * Lays out the runtime stage of `dockerfile` (by default infra/Dockerfile of `repository`)
 * under `into`: `into/build` stands for the build stage, `into/app` for the runtime stage.
 */
export async function layOutRuntimeStage(options: {
  repository: string;
  into: string;
  dockerfile?: string;
}): Promise<Layout> {
  const { repository, into } = options;
  const dockerfile = options.dockerfile ?? path.join(repository, 'infra/Dockerfile');
  const stages = parseDockerfile(readFileSync(dockerfile, 'utf8'));
  const runtime = stages.at(-1);
  if (runtime === undefined) throw new Error('the Dockerfile has no stage');
  const settings = runtimeSettings(stages);
  const steps: string[] = [];

  const builds = new Map<string, string>();
  for (const stage of stages.slice(0, -1)) {
    builds.set(stage.name, await layOutBuildStage(stage, runtime, repository, into, steps));
  }

  const root = path.join(into, 'app');
  mkdirSync(root, { recursive: true });
  let workdir = '/';
  for (const { keyword, args } of runtime.instructions) {
    if (keyword === 'WORKDIR') workdir = args;
    if (keyword === 'COPY') {
      const { from, sources, destination } = parseCopy(args);
      const base = from === null ? repository : builds.get(from);
      if (base === undefined) throw new Error(`COPY --from=${from ?? ''}: no such stage`);
      const intoFolder = destination.endsWith('/') || sources.length > 1;
      const target = path.join(root, inside(workdir, destination));
      for (const source of sources) {
        // A stage's paths are absolute in its WORKDIR; the context's are relative to it.
        copy(path.join(base, from === null ? source : inside('/app', source)), target, intoFolder);
      }
      steps.push(`copied: ${args}`);
    }
    if (keyword === 'RUN')
      await runCommand(args, path.join(root, inside('/app', workdir)), 'runtime', steps);
  }
  if (workdir !== '/app') throw new Error(`the check expects WORKDIR /app, not ${workdir}`);
  return { ...settings, root, steps };
}

/**
 * The build stage as far as the runtime stage uses it: the paths the runtime copies from
 * it, taken from the built checkout, then the stage's RUN commands other than its install
 * and build.
 */
async function layOutBuildStage(
  stage: Stage,
  runtime: Stage,
  repository: string,
  into: string,
  steps: string[],
): Promise<string> {
  const folder = path.join(into, stage.name);
  mkdirSync(folder, { recursive: true });
  for (const { keyword, args } of runtime.instructions) {
    if (keyword !== 'COPY') continue;
    const { from, sources } = parseCopy(args);
    if (from !== stage.name) continue;
    for (const source of sources) {
      const relative = inside('/app', source);
      copy(path.join(repository, relative), path.join(folder, relative), false);
    }
  }
  for (const { keyword, args } of stage.instructions) {
    if (keyword === 'WORKDIR' && args !== '/app')
      throw new Error(`stage ${stage.name}: WORKDIR ${args}`);
    if (keyword === 'RUN') await runCommand(args, folder, 'build', steps);
  }
  return folder;
}
