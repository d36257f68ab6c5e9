/**
 * The container image, checked without a container engine: the runtime stage of
 * infra/Dockerfile laid out as the Dockerfile says (./layout.ts), its node_modules searched
 * for what must stay out, docker-compose.yml compared with it, and migrate, api and worker
 * started from the layout with the image's commands and environment against a PostgreSQL
 * cluster and a Redis server of the test's own (migrate sets the application role's
 * password, which is the cluster's, and the workers' queue names are fixed).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { isBuiltin } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  freePort,
  startThrowawayPostgres,
  startThrowawayRedis,
  type ThrowawayPostgres,
  type ThrowawayRedis,
} from '@pulsegap/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCompose, type ComposeService } from './compose.js';
import { layOutRuntimeStage, type Layout } from './layout.js';

const repository = fileURLToPath(new URL('../../', import.meta.url));
const compose = parseCompose(readFileSync(path.join(repository, 'docker-compose.yml'), 'utf8'));
const PROCESSES = ['migrate', 'api', 'worker'] as const;
const PRODUCTION_SECRETS = [
  'JWT_SECRET',
  'SECRET_KEY',
  'APP_DATABASE_PASSWORD',
  'PUBLIC_URL',
  'SMTP_URL',
];

/** Must never be in the image: test tooling, the browser driver, embedded mode's database. */
const ABSENT = [
  'playwright-core',
  '@pulsegap/testing',
  '@pulsegap/web',
  '@electric-sql/pglite',
  'vitest',
  'vite',
  'typescript',
  'fast-check',
  'smtp-server',
];
/** Bare imports of the built files the image does without, and why. */
const NOT_INSTALLED: Record<string, string> = {
  // A dynamic import in embedded mode only, which production refuses.
  '@electric-sql/pglite': 'packages/db/dist/database.js',
};

function service(name: string): ComposeService {
  const found = compose.get(name);
  if (found === undefined) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
}

/** The names `loadConfig` reads: the keys of its environment schema. */
function configNames(): Set<string> {
  const source = readFileSync(path.join(repository, 'packages/config/src/index.ts'), 'utf8');
  const schema = /const EnvSchema = Type\.Object\(\{([\s\S]*?)\n\}\);/.exec(source)?.[1] ?? '';
  return new Set([...schema.matchAll(/^ {2}([A-Z][A-Z0-9_]*):/gm)].map((m) => m[1] ?? ''));
}

function builtFiles(folder: string): string[] {
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.js'))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .filter((file) => !file.includes(`${path.sep}node_modules${path.sep}`));
}

const packageOf = (specifier: string): string =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');

/** Whether node finds package `name` from `file`: in a node_modules of a folder above it. */
function installed(root: string, file: string, name: string): boolean {
  for (let folder = path.dirname(file); folder.startsWith(root); folder = path.dirname(folder)) {
    if (existsSync(path.join(folder, 'node_modules', name, 'package.json'))) return true;
  }
  return false;
}

/** A process of the image, with what it printed. */
interface Running {
  readonly child: ChildProcess;
  readonly exit: Promise<number | null>;
  output(): string;
  /** The metrics and worker health ports it was given. */
  readonly ports: { readonly metrics: number; readonly workerHealth: number };
}

/** The script of a service's `node -e` healthcheck in docker-compose.yml. */
function healthcheckScript(name: string): string {
  const text = readFileSync(path.join(repository, 'docker-compose.yml'), 'utf8');
  const block = new RegExp(`^  ${name}:\\n((?:    .*\\n|\\s*\\n)+)`, 'm').exec(text)?.[1] ?? '';
  const script = /^\s*"(fetch\(.*\))",?$/m.exec(block)?.[1];
  if (script === undefined) throw new Error(`docker-compose.yml: ${name} has no node healthcheck`);
  return script;
}

describe('the container image (infra/Dockerfile, laid out)', () => {
  let scratch: string | undefined;
  let layout: Layout;
  let postgres: ThrowawayPostgres | undefined;
  let redis: ThrowawayRedis | undefined;
  let port: number;
  const running: Running[] = [];
  const appPassword = randomBytes(32).toString('hex');

  /**
   * The Node that runs the tests, where the image's user may run it: a copy beside the layout
   * when it lives somewhere that user cannot reach (a checkout only root may read).
   */
  function nodeForImageUser(): string {
    const copy = path.join(layout.root, '..', 'node');
    if (!existsSync(copy)) {
      copyFileSync(process.execPath, copy);
      chmodSync(copy, 0o755);
    }
    return copy;
  }

  beforeAll(async () => {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'pulsegap-image-'));
    scratch = folder;
    // The image's user must be able to read the layout, as it can in the image.
    chmodSync(folder, 0o755);
    [layout, port] = await Promise.all([
      layOutRuntimeStage({ repository, into: folder }),
      freePort(),
      startThrowawayPostgres().then((started) => (postgres = started)),
      startThrowawayRedis().then((started) => (redis = started)),
    ]);
  }, 180_000);

  afterAll(async () => {
    for (const { child } of running) if (child.exitCode === null) child.kill('SIGKILL');
    await Promise.all([postgres?.destroy(), redis?.destroy()]);
    if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
  });

  function services(): { postgres: ThrowawayPostgres; redis: ThrowawayRedis } {
    if (postgres === undefined || redis === undefined) throw new Error('services not started');
    return { postgres, redis };
  }

  /** The environment compose gives `name`, with this machine's services and fresh secrets. */
  function environmentOf(name: string): Record<string, string> {
    const { postgres, redis } = services();
    const owner = new URL(postgres.url);
    owner.pathname = '/pulsegap';
    const app = new URL(owner);
    app.username = 'pulsegap_app';
    app.password = appPassword;
    const local: Record<string, string> = {
      JWT_SECRET: randomBytes(32).toString('hex'),
      SECRET_KEY: randomBytes(32).toString('hex'),
      APP_DATABASE_PASSWORD: appPassword,
      // Nothing in the check sends mail; production only needs the setting.
      SMTP_URL: 'smtp://127.0.0.1:2525',
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      REDIS_URL: redis.url,
      DATABASE_URL: owner.toString(),
      APP_DATABASE_URL: app.toString(),
      HOST: '127.0.0.1',
      PORT: String(port),
    };
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(service(name).environment)) {
      const fallback = /^\$\{\w+:-([^}]*)\}$/.exec(value)?.[1];
      const given = local[key] ?? fallback ?? (value.includes('${') ? undefined : value);
      if (given === undefined) throw new Error(`the check has no local value for ${name}'s ${key}`);
      env[key] = given;
    }
    return env;
  }

  /** Starts one of the image's commands in the layout, as a container would run it. */
  function start(name: (typeof PROCESSES)[number]): Running {
    const [program, ...args] = layout.commands[name];
    if (program !== 'node') throw new Error(`${name}: the check runs node commands only`);
    // Whatever node runs the tests stands for the base image's.
    const asImageUser = layout.user === 'node' && process.getuid?.() === 0;
    const ports = {
      metrics: 20_000 + Math.floor(Math.random() * 20_000),
      workerHealth: 20_000 + Math.floor(Math.random() * 20_000),
    };
    const child = spawn(asImageUser ? nodeForImageUser() : process.execPath, args, {
      cwd: layout.root,
      env: {
        PATH: '/usr/local/bin:/usr/bin:/bin',
        ...layout.env,
        ...environmentOf(name),
        // Ports of their own for the metrics and health listeners (a container has its own
        // network; here other tests' processes share the host's).
        METRICS_PORT: String(ports.metrics),
        WORKER_HEALTH_PORT: String(ports.workerHealth),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      // The node user of the official node images.
      ...(asImageUser ? { uid: 1000, gid: 1000 } : {}),
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exit = once(child, 'exit').then(([code]) => code as number | null);
    const process_ = { child, exit, output: () => output, ports };
    running.push(process_);
    return process_;
  }

  async function until(what: string, process_: Running, ready: () => Promise<boolean>) {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (process_.child.exitCode !== null) break;
      if (await ready().catch(() => false)) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${what} did not come up:\n${process_.output()}`);
  }

  it('is built on Node from Debian, runs as the node user, and installs production dependencies only', () => {
    expect(layout.base).toMatch(/^node:\d+-bookworm-slim$/);
    expect(layout.user).toBe('node');
    expect(layout.env.NODE_ENV).toBe('production');
    expect(layout.steps).toContainEqual(expect.stringMatching(/^ran: npm ci --omit=dev/));
    const modules = path.join(layout.root, 'node_modules');
    expect(ABSENT.filter((name) => existsSync(path.join(modules, name)))).toEqual([]);
    const testFiles = builtFiles(layout.root).filter((file) =>
      /(\.test\.|test-support\.|attack-support\.)/.test(path.basename(file)),
    );
    expect(testFiles).toEqual([]);
  });

  it('has every package the built files import, and the pages', () => {
    const unresolved: string[] = [];
    for (const file of builtFiles(layout.root)) {
      const source = readFileSync(file, 'utf8');
      const specifiers = source.matchAll(
        /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)|^import\s+['"]([^'"]+)['"]/gm,
      );
      for (const match of specifiers) {
        const specifier = match[1] ?? match[2] ?? match[3] ?? '';
        if (specifier.startsWith('.') || specifier.startsWith('/') || isBuiltin(specifier))
          continue;
        const name = packageOf(specifier);
        const relative = path.relative(layout.root, file);
        if (NOT_INSTALLED[name] === relative) continue;
        if (!installed(layout.root, file, name)) {
          unresolved.push(`${relative}: ${specifier}`);
        }
      }
    }
    expect(unresolved).toEqual([]);
    expect(existsSync(path.join(layout.root, 'apps/web/dist/index.html'))).toBe(true);
    expect(existsSync(path.join(layout.root, 'apps/web/dist/answer.html'))).toBe(true);
  });

  it('is run by docker-compose.yml with its commands and environment names', () => {
    const names = configNames();
    expect(names).toContain('APP_DATABASE_URL');
    for (const name of PROCESSES) {
      const { command, environment } = service(name);
      expect(command, name).toEqual(layout.commands[name]);
      expect(
        Object.keys(environment).filter((key) => !names.has(key)),
        name,
      ).toEqual([]);
      expect(
        PRODUCTION_SECRETS.filter((key) => !(key in environment)),
        name,
      ).toEqual([]);
      expect(environment.NODE_ENV, name).toBe(layout.env.NODE_ENV);
    }
    // Only migrate holds the owner's connection.
    expect(Object.keys(service('migrate').environment)).toContain('DATABASE_URL');
    for (const name of ['api', 'worker']) {
      expect(Object.keys(service(name).environment), name).toContain('APP_DATABASE_URL');
      expect(Object.keys(service(name).environment), name).not.toContain('DATABASE_URL');
    }
    expect(layout.exposedPorts).toEqual([Number(service('api').environment.PORT)]);
  });

  it('starts migrate, api and worker from the layout and serves a signup', async () => {
    const migrate = start('migrate');
    const migrated = await migrate.exit;
    expect(migrated, migrate.output()).toBe(0);
    expect(migrate.output()).toMatch(/migrate: applied/);

    const api = start('api');
    const worker = start('worker');
    const base = `http://127.0.0.1:${port}`;
    await until('api', api, async () => (await fetch(`${base}/health`)).ok);
    await until('worker', worker, async () => worker.output().includes('"msg":"worker started"'));
    expect((await fetch(`${base}/ready`)).status).toBe(200);
    if (process.getuid?.() === 0) {
      // Started by root, the processes ran as the image's user, and needed nothing more.
      const status = readFileSync(`/proc/${String(api.child.pid)}/status`, 'utf8');
      expect(status).toMatch(/^Uid:\s+1000\s/m);
    }

    const signup = await fetch(`${base}/api/v1/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        organization: 'Image check',
        email: 'admin@image-check.test',
        password: 'image-check-password',
      }),
    });
    expect(signup.status, await signup.clone().text()).toBe(201);
    const { token } = (await signup.json()) as { token: string };
    const settings = await fetch(`${base}/api/v1/settings`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(settings.status).toBe(200);
    const openapi = (await (await fetch(`${base}/api/v1/openapi.json`)).json()) as {
      openapi?: string;
    };
    expect(openapi.openapi).toMatch(/^3\./);
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html');

    // The worker reached Redis: its recurring jobs are scheduled in its queues there.
    const client = new Redis(services().redis.url);
    try {
      await until('the worker in Redis', worker, async () =>
        (await client.keys('pulsegap:*')).some((key) => key.endsWith(':repeat')),
      );
    } finally {
      client.disconnect();
    }

    // Compose's healthchecks, run as compose runs them, pass against both processes (on the
    // ports this check gave them: a container has the defaults to itself).
    for (const [name, running, actual] of [
      ['api', api, port],
      ['worker', worker, worker.ports.workerHealth],
    ] as const) {
      const script = healthcheckScript(name).replace(/127\.0\.0\.1:\d+\//, `127.0.0.1:${actual}/`);
      await until(`${name}'s healthcheck`, running, () =>
        Promise.resolve(spawnSync(process.execPath, ['-e', script]).status === 0),
      );
    }
    expect(healthcheckScript('worker')).toContain('127.0.0.1:9465/readyz');

    // Both close what they opened and exit 0 on SIGTERM, as a container stop sends it.
    api.child.kill('SIGTERM');
    worker.child.kill('SIGTERM');
    expect(await api.exit, api.output()).toBe(0);
    expect(await worker.exit, worker.output()).toBe(0);
  }, 90_000);
});
