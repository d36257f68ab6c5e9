import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';

// The web app bundles the client: it and everything it imports must do without Node.
function codeOf(file: string): string {
  return readFileSync(new URL(file, import.meta.url), 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\/\/.*$/gm, '');
}

function importsOf(file: string): string[] {
  const source = codeOf(file);
  return [...source.matchAll(/from '([^']+)'/g)].map((match) => match[1] ?? '');
}

function clientModules(): Map<string, string[]> {
  const modules = new Map<string, string[]>();
  const pending = ['./client.ts'];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (modules.has(file)) {
      continue;
    }
    const imports = importsOf(file);
    modules.set(file, imports);
    for (const specifier of imports) {
      if (specifier.startsWith('./')) {
        pending.push(specifier.replace(/\.js$/, '.ts'));
      }
    }
  }
  return modules;
}

describe('the client', () => {
  test('imports only its own modules and @cloudflare/blindrsa-ts', () => {
    const modules = clientModules();
    expect([...modules.keys()].sort()).toEqual([
      './base64url.ts',
      './client.ts',
      './errors.ts',
      './token-format.ts',
    ]);
    for (const [file, imports] of modules) {
      for (const specifier of imports) {
        expect(
          specifier.startsWith('./') || specifier === '@cloudflare/blindrsa-ts',
          `${file} imports ${specifier}`,
        ).toBe(true);
      }
      expect(codeOf(file), file).not.toMatch(/\bBuffer\b|\bprocess\b|\brequire\(/);
    }
  });
});
