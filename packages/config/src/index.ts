/**
 * The one reader of `process.env`. Every process (API, worker, migrate, embedded) asks
 * `loadConfig` for a validated `Config`; nothing else in the codebase touches the environment.
 */
import { hkdfSync } from 'node:crypto';
import { availableParallelism } from 'node:os';
import Type, { type Static } from 'typebox';
import { Value } from 'typebox/value';

/** How a process runs: `server` talks to PostgreSQL and Redis; `embedded` to PGlite, in-process jobs. */
export type RunMode = 'server' | 'embedded';

const EnvSchema = Type.Object({
  NODE_ENV: Type.Optional(
    Type.Union([Type.Literal('production'), Type.Literal('development'), Type.Literal('test')]),
  ),
  PORT: Type.Optional(Type.String({ pattern: '^[0-9]{1,5}$' })),
  HOST: Type.Optional(Type.String({ minLength: 1 })),
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  APP_DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  APP_DATABASE_PASSWORD: Type.Optional(Type.String({ minLength: 8 })),
  REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?://' })),
  SMTP_URL: Type.Optional(Type.String({ pattern: '^smtps?://' })),
  JWT_SECRET: Type.Optional(Type.String({ minLength: 32 })),
  SECRET_KEY: Type.Optional(Type.String({ minLength: 32 })),
  PUBLIC_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  DATA_DIR: Type.Optional(Type.String({ minLength: 1 })),
  TRUST_PROXY_HOPS: Type.Optional(Type.String({ pattern: '^[0-9]{1,2}$' })),
  JOB_LOCK_MS: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{2,6}$' })),
  SIGNING_THREADS: Type.Optional(Type.String({ pattern: '^[1-9][0-9]?$' })),
  QUEUE_PREFIX: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' })),
  APP_DATABASE_ROLE: Type.Optional(Type.String({ pattern: '^[a-z_][a-z0-9_]{0,62}$' })),
  ALLOW_PLAIN_HTTP: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])),
  METRICS_PORT: Type.Optional(Type.String({ pattern: '^([0-9]{1,5}|off)$' })),
  METRICS_TOKEN: Type.Optional(Type.String({ minLength: 32 })),
  WORKER_HEALTH_PORT: Type.Optional(Type.String({ pattern: '^[0-9]{1,5}$' })),
  LOG_LEVEL: Type.Optional(
    Type.Union([
      Type.Literal('fatal'),
      Type.Literal('error'),
      Type.Literal('warn'),
      Type.Literal('info'),
      Type.Literal('debug'),
      Type.Literal('trace'),
      Type.Literal('silent'),
    ]),
  ),
});
type Env = Static<typeof EnvSchema>;

/** The validated configuration of one process. */
export interface Config {
  readonly mode: RunMode;
  readonly production: boolean;
  readonly port: number;
  readonly host: string;
  /** The owner's connection (migrations); `null` in embedded mode. */
  readonly databaseUrl: string | null;
  /** The application role's connection; `null` in embedded mode. */
  readonly appDatabaseUrl: string | null;
  /**
   * Name of the application role (default `pulsegap_app`): `migrate` creates it and grants to
   * it, the processes connect as it. Roles belong to the whole PostgreSQL server, so two
   * deployments on one server need a name each.
   */
  readonly appDatabaseRole: string;
  /** Password given to the application role by `migrate`. */
  readonly appDatabasePassword: string;
  /** `null` selects the in-process job runner. */
  readonly redisUrl: string | null;
  /** `null` selects the development outbox instead of SMTP. */
  readonly smtpUrl: string | null;
  readonly jwtSecret: string;
  /** Master secret for invitation secrets and the sealing of segment keys (see `deriveKey`). */
  readonly secretKey: string;
  /** Base URL used in links the service sends. */
  readonly publicUrl: string;
  /** Folder of the embedded database. */
  readonly dataDir: string;
  readonly logLevel: string;
  /**
   * How many reverse proxies in front of the API append to X-Forwarded-For; 0 trusts none,
   * so a client cannot choose the address that rate limits count.
   */
  readonly trustProxyHops: number;
  /**
   * How long a worker's hold on a running job lasts without renewal: a job whose worker died
   * is taken up by another after about this long (100 ms to under 10,000 s; default 30 s).
   */
  readonly jobLockMs: number;
  /**
   * Most threads the API keeps for blind signatures (default: the cores, at most 4); each
   * takes about 9 MiB, and one that has been idle a while stops.
   */
  readonly signingThreads: number;
  /**
   * Prefix of this deployment's Redis keys (default `pulsegap`): BullMQ's queues and the
   * API's rate-limit counts, so deployments sharing a Redis never see each other's.
   */
  readonly queuePrefix: string;
  /**
   * Whether the pages may be served over plain HTTP (default: outside production only):
   * when true, no HSTS and no `upgrade-insecure-requests` in the Content-Security-Policy.
   */
  readonly allowPlainHttp: boolean;
  /**
   * Port of the API's own listener for `/metrics`, apart from the public port (`null`: none;
   * default 9464 in server mode, none in embedded mode unless `METRICS_PORT` is given).
   */
  readonly metricsPort: number | null;
  /** When set, every `/metrics` (API and worker) asks for `Authorization: Bearer <it>`. */
  readonly metricsToken: string | null;
  /** Port of the worker's `/healthz`, `/readyz` and `/metrics` (default 9465). */
  readonly workerHealthPort: number;
}

/** Default name of the application role the API and worker connect as (`APP_DATABASE_ROLE`). */
export const APP_ROLE = 'pulsegap_app';

/** Most signing threads by default: a blind signature takes 0.3 ms, 4 threads sign 13,000 a second. */
const DEFAULT_SIGNING_THREADS = 4;

/**
 * Name of the role the owner-defined (SECURITY DEFINER) functions run as: made by migrate,
 * never a superuser, never bypassing row-level security, unable to log in, with only the
 * privileges those functions need.
 */
export const DEFINER_ROLE = 'pulsegap_definer';

const DEV_JWT_SECRET = 'development-only-secret-do-not-use-in-production';
const DEV_SECRET_KEY = 'development-only-master-key-do-not-use-in-production';
const DEV_APP_PASSWORD = 'pulsegap-app-development';

/** What production requires of each secret, in bits of entropy. */
export const SECRET_MIN_BITS = 256;

/**
 * How much a secret can hold, in bits, as far as its text shows: its length times the bits
 * a character of its alphabet carries (hexadecimal 4, base64 6, other printable text 6.6),
 * and nothing when its characters repeat far more than random ones would (a Shannon entropy
 * under three quarters of the alphabet's). The development defaults count as nothing.
 * `openssl rand -hex 32` and `openssl rand -base64 32` reach 256.
 */
export function secretStrengthBits(secret: string): number {
  if ([DEV_JWT_SECRET, DEV_SECRET_KEY, DEV_APP_PASSWORD].includes(secret)) return 0;
  const characters = Array.from(secret);
  if (characters.length === 0) return 0;
  const alphabet = /^[0-9a-f]+$/i.test(secret) ? 16 : /^[A-Za-z0-9+/_=-]+$/.test(secret) ? 64 : 95;
  const counts = new Map<string, number>();
  for (const c of characters) counts.set(c, (counts.get(c) ?? 0) + 1);
  let shannon = 0;
  for (const n of counts.values()) {
    const p = n / characters.length;
    shannon -= p * Math.log2(p);
  }
  const perCharacter = Math.log2(alphabet);
  // A random string's observed entropy falls a little short of its alphabet's when it is
  // short; three quarters tells a random one from a repeated or patterned one.
  if (shannon < 0.75 * Math.min(perCharacter, Math.log2(characters.length))) return 0;
  return characters.length * perCharacter;
}

/** A configuration problem: the process must not start. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
}

/**
 * Reads and validates the environment. In `server` mode the database and Redis default to
 * the local services; in `embedded` mode they stay unset unless given. Production refuses
 * development secrets.
 */
export function loadConfig(mode: RunMode, source: NodeJS.ProcessEnv = process.env): Config {
  const raw: Record<string, string> = {};
  for (const key of Object.keys(EnvSchema.properties)) {
    const value = source[key];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  if (!Value.Check(EnvSchema, raw)) {
    const problems = Value.Errors(EnvSchema, raw).map(
      (e) => `${e.instancePath.slice(1) || 'environment'}: ${e.message}`,
    );
    throw new ConfigError(`invalid environment: ${problems.join('; ')}`);
  }
  const env: Env = raw;
  const production = env.NODE_ENV === 'production';
  const port = env.PORT === undefined ? 3000 : Number(env.PORT);
  if (port < 1 || port > 65535) throw new ConfigError('invalid environment: PORT out of range');
  const metricsPort =
    env.METRICS_PORT === 'off'
      ? null
      : env.METRICS_PORT !== undefined
        ? Number(env.METRICS_PORT)
        : mode === 'server'
          ? 9464
          : null;
  const workerHealthPort = Number(env.WORKER_HEALTH_PORT ?? '9465');
  for (const [name, value] of [
    ['METRICS_PORT', metricsPort],
    ['WORKER_HEALTH_PORT', workerHealthPort],
  ] as const) {
    if (value !== null && (value < 1 || value > 65535)) {
      throw new ConfigError(`invalid environment: ${name} out of range`);
    }
  }
  if (metricsPort === port) {
    // /metrics must stay off the public port.
    throw new ConfigError('invalid environment: METRICS_PORT must differ from PORT');
  }

  if (production) {
    const missing =
      // SMTP too: the development outbox would keep every invitation link in the database.
      (
        ['JWT_SECRET', 'SECRET_KEY', 'APP_DATABASE_PASSWORD', 'PUBLIC_URL', 'SMTP_URL'] as const
      ).filter((k) => env[k] === undefined);
    if (mode === 'embedded') throw new ConfigError('production runs in server mode, not embedded');
    if (missing.length > 0) {
      throw new ConfigError(`production needs real secrets: ${missing.join(', ')} unset`);
    }
    const weak = (['JWT_SECRET', 'SECRET_KEY', 'APP_DATABASE_PASSWORD'] as const).flatMap((k) => {
      const bits = secretStrengthBits(env[k] ?? '');
      return bits < SECRET_MIN_BITS ? [`${k} (about ${Math.floor(bits)} bits)`] : [];
    });
    if (weak.length > 0) {
      throw new ConfigError(
        `production needs secrets of at least ${SECRET_MIN_BITS} bits: ${weak.join(', ')}; ` +
          'generate each with: openssl rand -hex 32',
      );
    }
  }

  const databaseUrl =
    env.DATABASE_URL ?? (mode === 'server' ? 'postgres://postgres@127.0.0.1:5432/pulsegap' : null);
  const appDatabasePassword = env.APP_DATABASE_PASSWORD ?? DEV_APP_PASSWORD;
  const appDatabaseRole = env.APP_DATABASE_ROLE ?? APP_ROLE;
  return {
    mode,
    production,
    port,
    host: env.HOST ?? (production ? '0.0.0.0' : '127.0.0.1'),
    databaseUrl,
    appDatabaseUrl:
      env.APP_DATABASE_URL ??
      (databaseUrl === null ? null : appRoleUrl(databaseUrl, appDatabasePassword, appDatabaseRole)),
    appDatabaseRole,
    appDatabasePassword,
    redisUrl: env.REDIS_URL ?? (mode === 'server' ? 'redis://127.0.0.1:6379' : null),
    smtpUrl: env.SMTP_URL ?? null,
    jwtSecret: env.JWT_SECRET ?? DEV_JWT_SECRET,
    secretKey: env.SECRET_KEY ?? DEV_SECRET_KEY,
    publicUrl: (env.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, ''),
    dataDir: env.DATA_DIR ?? '.pulsegap',
    logLevel: env.LOG_LEVEL ?? (env.NODE_ENV === 'test' ? 'silent' : 'info'),
    trustProxyHops: Number(env.TRUST_PROXY_HOPS ?? '0'),
    jobLockMs: Number(env.JOB_LOCK_MS ?? '30000'),
    signingThreads:
      env.SIGNING_THREADS === undefined
        ? Math.min(availableParallelism(), DEFAULT_SIGNING_THREADS)
        : Number(env.SIGNING_THREADS),
    queuePrefix: env.QUEUE_PREFIX ?? 'pulsegap',
    allowPlainHttp:
      env.ALLOW_PLAIN_HTTP === undefined ? !production : env.ALLOW_PLAIN_HTTP === 'true',
    metricsPort,
    metricsToken: env.METRICS_TOKEN ?? null,
    workerHealthPort,
  };
}

/** The same database as `ownerUrl`, reached as the application role (`role`). */
export function appRoleUrl(ownerUrl: string, password: string, role = APP_ROLE): string {
  const url = new URL(ownerUrl);
  url.username = role;
  url.password = password;
  return url.toString();
}

/** What a derived key is for; each purpose gets an independent key. */
export type KeyPurpose =
  'invitation-secrets' | 'segment-key-sealing' | 'response-sealing' | 'room-sealing';

/** A 32-byte key for one purpose, derived from the master secret with HKDF-SHA-256. */
export function deriveKey(config: Pick<Config, 'secretKey'>, purpose: KeyPurpose): Buffer {
  return Buffer.from(hkdfSync('sha256', config.secretKey, 'pulsegap', purpose, 32));
}
export * from './shutdown.js';
