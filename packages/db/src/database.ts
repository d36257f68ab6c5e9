import type { PGlite, QueryOptions, Results, Transaction } from '@electric-sql/pglite';
import { APP_ROLE, type Config } from '@pulsegap/config';
import { Kysely, PGliteDialect, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { migrateToLatest } from './migrate.js';
import type { Database } from './schema.js';

/** An open database as the application role, and the way to close it. */
export interface DatabaseHandle {
  readonly db: Kysely<Database>;
  close(): Promise<void>;
  /** The connection pool's state now; `null` for the embedded database, which has none. */
  poolStats(): PoolStats | null;
}

/** How a connection pool stands: connections open, idle among them, and requests waiting for one. */
export interface PoolStats {
  readonly total: number;
  readonly idle: number;
  readonly waiting: number;
}

/** The process would run with privileges that make row-level security moot. */
export class UnsafeDatabaseRoleError extends Error {
  readonly code = 'DB_UNSAFE_ROLE';
}

const INT8 = 20;
const NUMERIC = 1700;
const BYTEA = 17;
const DATE = 1082;

// PGlite reads bytea as a plain Uint8Array; the code (like pg) expects a Buffer.
const toBuffer = (value: string): Buffer => Buffer.from(value.slice(2), 'hex');

const toNumber = (value: string): number => Number(value);

// A calendar date (a decision's review date) is a day, not an instant: kept as `YYYY-MM-DD`.
const asText = (value: string): string => value;

// 64-bit integers and numerics arrive as numbers (counts fit easily), dates as text; the rest
// as pg parses them.
const typeParsers = new pg.TypeOverrides();
typeParsers.setTypeParser(INT8, toNumber);
typeParsers.setTypeParser(NUMERIC, toNumber);
typeParsers.setTypeParser(DATE, asText);

/** A pg pool as the processes use it (see `typeParsers`). */
export function createPool(connectionString: string, max = 10): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max,
    types: typeParsers,
    // While the database is away, a request waits this long for a connection, then fails
    // as unavailable (503) instead of queueing without end.
    connectionTimeoutMillis: 5000,
  });
  // A connection that dies (a restart, a dropped database) would emit 'error' and, with
  // no listener, crash the process: while idle in the pool the pool listens; while checked
  // out the client itself must. The query under way, if any, fails with the error, and
  // the pool discards the broken client when it comes back.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  return pool;
}

// PostgreSQL's codes for "the server is not there for now": connection exceptions (class
// 08), shutting down or starting up (57P01–57P03), too many connections, and the node
// errors of a refused or dropped socket.
const UNAVAILABLE_CODES = new Set([
  '57P01',
  '57P02',
  '57P03',
  '53300',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
]);
const UNAVAILABLE_MESSAGES = [
  'Connection terminated',
  'Client has encountered a connection error',
  'timeout exceeded when trying to connect',
  'Client was closed and is not queryable',
];

/**
 * Whether an error says the database cannot be reached for now (a restart, a failover,
 * a full connection limit), as opposed to a failed statement: the request can be tried
 * again later (503), and nothing it asked for was acknowledged.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; depth += 1) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('08'))) {
      return true;
    }
    if (UNAVAILABLE_MESSAGES.some((m) => e instanceof Error && e.message.includes(m))) {
      return true;
    }
    e = e.cause;
  }
  return false;
}

/** A Kysely instance over a PostgreSQL connection string. */
export function createKysely<T = Database>(connectionString: string, max = 10): Kysely<T> {
  return new Kysely<T>({
    dialect: new PostgresDialect({ pool: createPool(connectionString, max) }),
  });
}

type Queryable = Pick<PGlite, 'query' | 'exec'>;

/**
 * A query without parameters goes through PGlite's simple protocol (`exec`), as `pg` sends
 * it, so a migration may hold several statements; the rest as Kysely's dialect asks.
 */
function simpleWhenUnparameterized<T extends Queryable>(target: T): T {
  const query = async <R>(
    text: string,
    parameters?: unknown[],
    options?: QueryOptions,
  ): Promise<Results<R>> => {
    if (parameters !== undefined && parameters.length > 0) {
      return target.query<R>(text, parameters, options);
    }
    const results = (await target.exec(text, options)) as Results<R>[];
    return results.at(-1) ?? { rows: [], fields: [], affectedRows: 0 };
  };
  return new Proxy(target, {
    // Read on the target itself: PGlite keeps its state in private fields.
    get(object, property) {
      if (property === 'query') return query;
      if (property === 'transaction') {
        return <R>(work: (tx: Transaction) => Promise<R>): Promise<R> =>
          (object as unknown as PGlite).transaction((tx) => work(simpleWhenUnparameterized(tx)));
      }
      const value: unknown = Reflect.get(object, property);
      return typeof value === 'function' ? (value.bind(object) as unknown) : value;
    },
  });
}

/**
 * Opens the database for the API or the worker. Server mode connects as the application
 * role (`APP_DATABASE_URL`); embedded mode opens PGlite in `dataDir` (or `memory://`),
 * migrates it as its superuser and then switches to the application role for good, so the
 * same row-level security applies. Either way the role is checked before it is used.
 */
export async function openDatabase(
  config: Pick<Config, 'appDatabaseUrl' | 'dataDir'> & Partial<Pick<Config, 'appDatabaseRole'>>,
  options: { poolSize?: number } = {},
): Promise<DatabaseHandle> {
  if (config.appDatabaseUrl !== null) {
    const pool = createPool(config.appDatabaseUrl, options.poolSize);
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    try {
      await assertApplicationRole(db, config.appDatabaseRole);
    } catch (error) {
      await db.destroy();
      throw error;
    }
    return {
      db,
      close: () => db.destroy(),
      poolStats: () => ({
        total: pool.totalCount,
        idle: pool.idleCount,
        waiting: pool.waitingCount,
      }),
    };
  }
  const { PGlite } = await importPGlite();
  const pglite = await PGlite.create(config.dataDir, {
    parsers: { [INT8]: toNumber, [NUMERIC]: toNumber, [BYTEA]: toBuffer, [DATE]: asText },
  });
  try {
    const owner = new Kysely<Database>({
      dialect: new PGliteDialect({ pglite: simpleWhenUnparameterized(pglite) }),
    });
    const role = config.appDatabaseRole ?? APP_ROLE;
    await migrateToLatest(owner, null, role);
    await pglite.exec(`set role "${role.replace(/"/g, '""')}"`);
    await assertApplicationRole(owner, role);
    return { db: owner, close: () => pglite.close(), poolStats: () => null };
  } catch (error) {
    await pglite.close();
    throw error;
  }
}

/**
 * PGlite, loaded only in embedded mode: it is a development dependency, so the production
 * image (server mode only) does not install it.
 */
async function importPGlite(): Promise<typeof import('@electric-sql/pglite')> {
  try {
    return await import('@electric-sql/pglite');
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new Error(
      'embedded mode needs @electric-sql/pglite, a development dependency: run `npm ci` ' +
        'in the repository (the server processes run without it)',
      { cause: error },
    );
  }
}

/**
 * Refuses a role that is a superuser, bypasses row-level security, owns tables or could
 * create any object (a temporary one included).
 */
export async function assertApplicationRole(
  db: Kysely<Database>,
  expected: string = APP_ROLE,
): Promise<void> {
  const { rows } = await sql<{
    role: string;
    superuser: boolean;
    bypass: boolean;
    owned: number;
    temporary: boolean;
    schemas: boolean;
    objects: boolean;
  }>`
    select r.rolname as role, r.rolsuper as superuser, r.rolbypassrls as bypass,
      (select count(*) from pg_class c where c.relowner = r.oid)::int as owned,
      has_database_privilege(current_database(), 'TEMPORARY') as temporary,
      has_database_privilege(current_database(), 'CREATE') as schemas,
      has_schema_privilege('public', 'CREATE') as objects
    from pg_roles r where r.rolname = current_user
  `.execute(db);
  const role = rows[0];
  if (role === undefined) throw new UnsafeDatabaseRoleError('current role not found');
  const problems = [
    role.superuser ? 'is a superuser' : null,
    role.bypass ? 'has BYPASSRLS' : null,
    role.owned > 0 ? `owns ${role.owned} relations` : null,
    role.temporary ? 'may create temporary objects (run npm run migrate as the owner)' : null,
    role.schemas ? 'may create schemas' : null,
    role.objects ? 'may create objects in schema public' : null,
  ].filter((p) => p !== null);
  if (problems.length > 0) {
    throw new UnsafeDatabaseRoleError(
      `refusing to run as role ${role.role}: it ${problems.join(', ')}; connect as ${expected}`,
    );
  }
}
