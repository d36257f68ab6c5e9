/**
 * A reader of the parts of docker-compose.yml the image check compares with the Dockerfile:
 * each service's `command` and `environment`, with `<<: *anchor` merges of top-level
 * `x-…: &anchor` mappings. It reads this repository's file, not YAML at large: a one-line
 * flow sequence for `command`, and `KEY: value` lines for environments.
 */

export interface ComposeService {
  readonly command: readonly string[] | null;
  readonly environment: Readonly<Record<string, string>>;
}

const indentOf = (line: string): number => line.length - line.trimStart().length;

function scalar(value: string): string {
  const trimmed = value.trim();
  if (/^'.*'$/.test(trimmed)) return trimmed.slice(1, -1).replaceAll("''", "'");
  if (/^".*"$/.test(trimmed)) return JSON.parse(trimmed) as string;
  return trimmed;
}

function flowSequence(value: string): string[] {
  const trimmed = value.trim();
  if (!trimmed.startsWith('[') || !trimmed.endsWith(']')) {
    throw new Error(`expected a one-line [ … ] sequence, got ${trimmed}`);
  }
  return trimmed
    .slice(1, -1)
    .split(',')
    .map((word) => scalar(word));
}

/** The services of a Compose file, by name. */
export function parseCompose(text: string): Map<string, ComposeService> {
  const lines = text.split('\n').filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  const anchors = new Map<string, Record<string, string>>();
  const services = new Map<string, ComposeService>();

  // Reads the `KEY: value` lines under lines[start - 1], merging `<<: *anchor`.
  const mapping = (start: number, indent: number): Record<string, string> => {
    const entries: Record<string, string> = {};
    for (let i = start; i < lines.length && indentOf(lines[i] ?? '') >= indent; i += 1) {
      const line = lines[i] ?? '';
      if (indentOf(line) !== indent) continue;
      const match = /^\s*([\w<.-]+):\s*(.*)$/.exec(line);
      if (match === null) throw new Error(`cannot read "${line}"`);
      const [, key = '', value = ''] = match;
      if (key === '<<') {
        const anchor = anchors.get(value.replace(/^\*/, ''));
        if (anchor === undefined) throw new Error(`unknown anchor ${value}`);
        Object.assign(entries, anchor);
      } else {
        entries[key] = scalar(value);
      }
    }
    return entries;
  };

  let section = '';
  let service: {
    name: string;
    command: string[] | null;
    environment: Record<string, string>;
  } | null = null;
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i] ?? '';
    const indent = indentOf(line);
    const match = /^\s*([\w<.-]+):\s*(.*)$/.exec(line);
    if (indent === 0 && match !== null) {
      section = match[1] ?? '';
      const anchor = /^&([\w-]+)$/.exec((match[2] ?? '').trim());
      if (anchor !== null) anchors.set(anchor[1] ?? '', mapping(i + 1, 2));
      continue;
    }
    if (section !== 'services' || match === null) continue;
    const [, key = '', value = ''] = match;
    if (indent === 2) {
      service = { name: key, command: null, environment: {} };
      services.set(key, service);
    } else if (indent === 4 && service !== null) {
      if (key === 'command') service.command = flowSequence(value);
      if (key === 'environment') service.environment = mapping(i + 1, 6);
    }
  }
  return services;
}
