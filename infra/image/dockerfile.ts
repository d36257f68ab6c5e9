/**
 * A reader of infra/Dockerfile for the image check: the stages, their instructions, and the
 * runtime stage's environment, user, port and commands. It knows the instructions the
 * Dockerfile uses and refuses any other, so the check cannot pass over one it does not
 * understand.
 */

/** One instruction, its continuation lines joined. */
export interface Instruction {
  readonly keyword: string;
  readonly args: string;
  /** Line of the Dockerfile where it starts, 1-based. */
  readonly line: number;
}

/** One `FROM … AS name` stage. */
export interface Stage {
  readonly name: string;
  readonly base: string;
  readonly instructions: readonly Instruction[];
}

const KNOWN = new Set(['FROM', 'WORKDIR', 'ENV', 'COPY', 'RUN', 'USER', 'EXPOSE', 'LABEL', 'CMD']);

/** Splits a Dockerfile into its stages (comments dropped, continuation lines joined). */
export function parseDockerfile(text: string): Stage[] {
  const stages: { name: string; base: string; instructions: Instruction[] }[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const start = i + 1;
    let current = (lines[i] ?? '').trim();
    if (current === '' || current.startsWith('#')) continue;
    while (current.endsWith('\\')) {
      current = current.slice(0, -1);
      i += 1;
      const next = (lines[i] ?? '').trim();
      // Comment lines inside a continued instruction are dropped, as Docker does.
      if (!next.startsWith('#')) current += ` ${next}`;
    }
    const match = /^([A-Za-z]+)\s+(.*)$/.exec(current.trim());
    if (match === null) throw new Error(`Dockerfile line ${start}: cannot read "${current}"`);
    const keyword = (match[1] ?? '').toUpperCase();
    const args = (match[2] ?? '').replace(/\s+/g, ' ').trim();
    if (!KNOWN.has(keyword)) {
      throw new Error(`Dockerfile line ${start}: the image check does not know ${keyword}`);
    }
    if (keyword === 'FROM') {
      const from = /^(\S+)\s+AS\s+(\S+)$/i.exec(args);
      if (from === null)
        throw new Error(`Dockerfile line ${start}: name every stage (FROM … AS …)`);
      stages.push({ base: from[1] ?? '', name: from[2] ?? '', instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (stage === undefined) throw new Error(`Dockerfile line ${start}: ${keyword} before FROM`);
    stage.instructions.push({ keyword, args, line: start });
  }
  return stages;
}

/** `KEY=value` pairs of ENV and LABEL, values optionally double-quoted. */
export function keyValues(args: string): Map<string, string> {
  const pairs = new Map<string, string>();
  const pattern = /([\w.-]+)=(?:"((?:[^"\\]|\\.)*)"|(\S*))/g;
  for (const match of args.matchAll(pattern)) {
    pairs.set(match[1] ?? '', match[2] ?? match[3] ?? '');
  }
  if (pairs.size === 0) throw new Error(`expected KEY=value pairs in "${args}"`);
  return pairs;
}

/** A COPY instruction: its sources, destination and the stage it copies from, if any. */
export interface Copy {
  readonly from: string | null;
  readonly sources: readonly string[];
  readonly destination: string;
}

export function parseCopy(args: string): Copy {
  const words = args.split(' ');
  let from: string | null = null;
  while (words[0]?.startsWith('--') === true) {
    const flag = words.shift() ?? '';
    const value = /^--from=(\S+)$/.exec(flag);
    if (value === null) throw new Error(`the image check does not know COPY ${flag}`);
    from = value[1] ?? null;
  }
  const destination = words.pop();
  if (destination === undefined || words.length === 0) throw new Error(`COPY ${args}: too short`);
  return { from, sources: words, destination };
}

/** The exec form of CMD, `["node", "…"]`; the shell form is refused (no signals reach node). */
export function parseExecForm(args: string): string[] {
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((word) => typeof word === 'string')) {
    throw new Error(`CMD ${args}: use the exec form, a JSON array of strings`);
  }
  return parsed;
}

/** What a container of the runtime stage runs with. */
export interface RuntimeSettings {
  readonly base: string;
  readonly workdir: string;
  readonly env: Readonly<Record<string, string>>;
  readonly user: string | null;
  readonly exposedPorts: readonly number[];
  /** api is the CMD; the others come from the `org.pulsegap.command.*` labels. */
  readonly commands: Readonly<Record<'api' | 'migrate' | 'worker', readonly string[]>>;
}

/** The settings of the last stage, the one the image is made of. */
export function runtimeSettings(stages: readonly Stage[]): RuntimeSettings {
  const stage = stages.at(-1);
  if (stage === undefined) throw new Error('the Dockerfile has no stage');
  let workdir = '/';
  const env: Record<string, string> = {};
  let user: string | null = null;
  const exposedPorts: number[] = [];
  const labels = new Map<string, string>();
  let cmd: string[] | null = null;
  for (const { keyword, args } of stage.instructions) {
    if (keyword === 'WORKDIR') workdir = args;
    if (keyword === 'ENV') Object.assign(env, Object.fromEntries(keyValues(args)));
    if (keyword === 'USER') user = args;
    if (keyword === 'EXPOSE') exposedPorts.push(...args.split(' ').map((p) => Number.parseInt(p)));
    if (keyword === 'LABEL') for (const [k, v] of keyValues(args)) labels.set(k, v);
    if (keyword === 'CMD') cmd = parseExecForm(args);
  }
  const labelled = (name: string): string[] => {
    const command = labels.get(`org.pulsegap.command.${name}`);
    if (command === undefined) throw new Error(`no LABEL org.pulsegap.command.${name}`);
    return command.split(' ');
  };
  if (cmd === null) throw new Error('the runtime stage has no CMD');
  return {
    base: stage.base,
    workdir,
    env,
    user,
    exposedPorts,
    commands: { api: cmd, migrate: labelled('migrate'), worker: labelled('worker') },
  };
}
