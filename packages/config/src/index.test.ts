import { describe, expect, test } from 'vitest';
import { appRoleUrl, ConfigError, loadConfig } from './index.js';

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
    const secrets = {
      NODE_ENV: 'production',
      JWT_SECRET: 'x'.repeat(40),
      SECRET_KEY: 'y'.repeat(40),
      SMTP_URL: 'smtp://mail.example.com:587',
      APP_DATABASE_PASSWORD: 'a-long-password',
      PUBLIC_URL: 'https://pulse.example.com/',
    };
    expect(() => loadConfig('embedded', secrets)).toThrow(/embedded/);
    const config = loadConfig('server', secrets);
    expect(config.production).toBe(true);
    expect(config.host).toBe('0.0.0.0');
    expect(config.publicUrl).toBe('https://pulse.example.com');
  });

  test('appRoleUrl keeps host and database and swaps the credentials', () => {
    expect(appRoleUrl('postgres://postgres@h:1/d?sslmode=require', 'p w')).toBe(
      'postgres://pulsegap_app:p%20w@h:1/d?sslmode=require',
    );
  });
});
