import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { describe, expect, test } from 'vitest';
import {
  appRoleUrl,
  ConfigError,
  loadConfig,
  SECRET_MIN_BITS,
  secretStrengthBits,
} from './index.js';

/** What production needs, each secret random and in another of the usual encodings. */
const productionEnvironment = () => ({
  NODE_ENV: 'production',
  JWT_SECRET: randomBytes(32).toString('hex'),
  SECRET_KEY: randomBytes(32).toString('base64'),
  SMTP_URL: 'smtp://mail.example.com:587',
  APP_DATABASE_PASSWORD: randomBytes(32).toString('base64url'),
  PUBLIC_URL: 'https://pulse.example.com/',
});

describe('loadConfig', () => {
  test('server mode defaults to the local PostgreSQL and Redis, as the application role', () => {
    const config = loadConfig('server', {});
    expect(config.databaseUrl).toBe('postgres://postgres@127.0.0.1:5432/pulsegap');
    expect(config.appDatabaseUrl).toBe(
      'postgres://pulsegap_app:pulsegap-app-development@127.0.0.1:5432/pulsegap',
    );
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(config.port).toBe(3000);
    expect(config.production).toBe(false);
  });

  test('embedded mode uses PGlite and the in-process runner unless told otherwise', () => {
    const config = loadConfig('embedded', { PORT: '4000' });
    expect(config.databaseUrl).toBeNull();
    expect(config.appDatabaseUrl).toBeNull();
    expect(config.redisUrl).toBeNull();
    expect(config.publicUrl).toBe('http://localhost:4000');
  });

  test('APP_DATABASE_URL overrides the derived application connection', () => {
    const config = loadConfig('server', {
      DATABASE_URL: 'postgres://owner:secret@db:5432/p',
      APP_DATABASE_URL: 'postgres://app:pw@pooler:6432/p',
    });
    expect(config.appDatabaseUrl).toBe('postgres://app:pw@pooler:6432/p');
  });

  test('invalid values are refused with the variable named', () => {
    expect(() => loadConfig('server', { PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig('server', { PORT: '70000' })).toThrow(ConfigError);
    expect(() => loadConfig('server', { DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL/);
    expect(() => loadConfig('server', { JWT_SECRET: 'short' })).toThrow(/JWT_SECRET/);
  });

  test('production refuses development secrets and the embedded mode', () => {
    expect(() => loadConfig('server', { NODE_ENV: 'production' })).toThrow(
      /JWT_SECRET, SECRET_KEY, APP_DATABASE_PASSWORD, PUBLIC_URL, SMTP_URL/,
    );
    const secrets = productionEnvironment();
    expect(() => loadConfig('embedded', secrets)).toThrow(/embedded/);
    const config = loadConfig('server', secrets);
    expect(config.production).toBe(true);
    expect(config.host).toBe('0.0.0.0');
    expect(config.publicUrl).toBe('https://pulse.example.com');
  });

  test('production refuses a secret under 256 bits, repeated, or the development one, and says how to make one', () => {
    const strong = productionEnvironment();
    expect(loadConfig('server', strong).production).toBe(true);
    for (const [secret, bits] of [
      ['a'.repeat(32), 0],
      ['a'.repeat(200), 0],
      ['ab'.repeat(100), 0],
      [randomBytes(16).toString('hex'), 128],
      ['development-only-secret-do-not-use-in-production', 0],
    ] as const) {
      expect(secretStrengthBits(secret)).toBe(bits);
      expect(() => loadConfig('server', { ...strong, JWT_SECRET: secret })).toThrow(
        new RegExp(`JWT_SECRET \\(about ${bits} bits\\); generate each with: openssl rand -hex 32`),
      );
    }
    expect(() =>
      loadConfig('server', { ...strong, APP_DATABASE_PASSWORD: 'a-long-password' }),
    ).toThrow(/APP_DATABASE_PASSWORD/);
  });

  test('a random secret of 32 bytes reaches 256 bits, in hex, base64 or base64url', () => {
    for (let i = 0; i < 200; i += 1) {
      const bytes = randomBytes(32);
      expect(secretStrengthBits(bytes.toString('hex'))).toBeGreaterThanOrEqual(SECRET_MIN_BITS);
      expect(secretStrengthBits(bytes.toString('base64'))).toBeGreaterThanOrEqual(SECRET_MIN_BITS);
      expect(secretStrengthBits(bytes.toString('base64url'))).toBeGreaterThanOrEqual(
        SECRET_MIN_BITS,
      );
    }
  });

  test('appRoleUrl keeps host and database and swaps the credentials', () => {
    expect(appRoleUrl('postgres://postgres@h:1/d?sslmode=require', 'p w')).toBe(
      'postgres://pulsegap_app:p%20w@h:1/d?sslmode=require',
    );
  });

  test('the application role has a name of its own per deployment when told', () => {
    expect(loadConfig('server', {}).appDatabaseRole).toBe('pulsegap_app');
    const config = loadConfig('server', {
      DATABASE_URL: 'postgres://owner@db:5432/staging',
      APP_DATABASE_ROLE: 'staging_app',
    });
    expect(config.appDatabaseRole).toBe('staging_app');
    expect(config.appDatabaseUrl).toBe(
      'postgres://staging_app:pulsegap-app-development@db:5432/staging',
    );
    for (const name of ['Staging', 'staging-app', '1app', 'a'.repeat(64), 'app"; drop']) {
      expect(() => loadConfig('server', { APP_DATABASE_ROLE: name })).toThrow(/APP_DATABASE_ROLE/);
    }
  });

  test('the queue prefix is pulsegap unless told, and only letters, digits, - and _', () => {
    expect(loadConfig('server', {}).queuePrefix).toBe('pulsegap');
    expect(loadConfig('server', { QUEUE_PREFIX: 'staging-1' }).queuePrefix).toBe('staging-1');
    expect(() => loadConfig('server', { QUEUE_PREFIX: 'a:b' })).toThrow(/QUEUE_PREFIX/);
  });

  test('signing threads: the cores, at most 4, unless told (1 to 99)', () => {
    expect(loadConfig('server', {}).signingThreads).toBe(Math.min(availableParallelism(), 4));
    expect(loadConfig('server', { SIGNING_THREADS: '12' }).signingThreads).toBe(12);
    for (const value of ['0', '-1', '100', 'all']) {
      expect(() => loadConfig('server', { SIGNING_THREADS: value })).toThrow(/SIGNING_THREADS/);
    }
  });

  test('plain HTTP is allowed outside production, and in production only when told', () => {
    expect(loadConfig('server', {}).allowPlainHttp).toBe(true);
    expect(loadConfig('server', { ALLOW_PLAIN_HTTP: 'false' }).allowPlainHttp).toBe(false);
    const production = productionEnvironment();
    expect(loadConfig('server', production).allowPlainHttp).toBe(false);
    expect(loadConfig('server', { ...production, ALLOW_PLAIN_HTTP: 'true' }).allowPlainHttp).toBe(
      true,
    );
    expect(() => loadConfig('server', { ALLOW_PLAIN_HTTP: 'yes' })).toThrow(/ALLOW_PLAIN_HTTP/);
  });
});

describe("the operators' listeners", () => {
  test('metrics on a port of their own in server mode, none in embedded mode unless asked', () => {
    const server = loadConfig('server', {});
    expect(server.metricsPort).toBe(9464);
    expect(server.metricsToken).toBeNull();
    expect(server.workerHealthPort).toBe(9465);
    expect(loadConfig('embedded', {}).metricsPort).toBeNull();
    expect(loadConfig('embedded', { METRICS_PORT: '9100' }).metricsPort).toBe(9100);
    expect(loadConfig('server', { METRICS_PORT: 'off' }).metricsPort).toBeNull();
    const token = 'a'.repeat(16) + 'b'.repeat(16);
    expect(loadConfig('server', { METRICS_TOKEN: token }).metricsToken).toBe(token);
    expect(loadConfig('server', { WORKER_HEALTH_PORT: '8081' }).workerHealthPort).toBe(8081);
  });

  test('refuses the public port, ports out of range and short tokens', () => {
    expect(() => loadConfig('server', { PORT: '9464' })).toThrow(/METRICS_PORT must differ/);
    expect(() => loadConfig('server', { METRICS_PORT: '70000' })).toThrow(/METRICS_PORT/);
    expect(() => loadConfig('server', { WORKER_HEALTH_PORT: '0' })).toThrow(/WORKER_HEALTH_PORT/);
    expect(() => loadConfig('server', { METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN/);
  });
});
