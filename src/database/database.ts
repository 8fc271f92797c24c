import { mkdirSync } from 'node:fs';
import path from 'node:path';

import type { Logger } from 'pino';

import type { GatehouseConfig } from '../config/gatehouse-config.js';
import type { PrismaClient as SqlitePrismaClient, Prisma } from '../generated/sqlite/client.js';
import { parseDsn, type DatabaseTarget } from './dsn.js';
import { migratePostgresql, migrateSqlite, type MigrationReport } from './migrator.js';
import { SerializedSqliteAdapter } from './serialized-sqlite-adapter.js';

/**
 * The Prisma client type that repositories program against. Both generated clients have the
 * same models and methods; the SQLite one serves as the shared type.
 */
export type PrismaClient = SqlitePrismaClient;

export type MigrationMode = 'apply' | 'check';

/** An open database: the Prisma client for repositories, plus health checks and shutdown. */
export class Database {
  constructor(
    readonly kind: DatabaseTarget['kind'],
    readonly client: PrismaClient,
    private readonly pingQuery: () => Promise<void>,
    private readonly release: () => Promise<void>,
  ) {}

  /** Runs a trivial query; rejects when the database cannot answer. */
  ping(): Promise<void> {
    return this.pingQuery();
  }

  async close(): Promise<void> {
    await this.client.$disconnect();
    await this.release();
  }
}

/**
 * Opens the database named by `dsn`. With `apply`, pending migrations are applied first;
 * with `check`, they are only listed in the returned report.
 */
export async function openDatabase(
  config: GatehouseConfig,
  logger: Logger,
  migrations: MigrationMode,
): Promise<{ database: Database; report: MigrationReport }> {
  const target = parseDsn(config.dsn);

  return target.kind === 'sqlite'
    ? openSqlite(target.file, logger, migrations)
    : openPostgresql(target.url, config, logger, migrations);
}

// Each kind's driver and generated client load only when that kind of database is opened,
// which keeps startup time and memory down.
async function openSqlite(file: string, logger: Logger, migrations: MigrationMode) {
  const [{ PrismaBetterSQLite3 }, { PrismaClient: SqliteClient }] = await Promise.all([
    import('@prisma/adapter-better-sqlite3'),
    import('../generated/sqlite/client.js'),
  ]);
  if (file !== ':memory:') {
    mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  }
  // Waiting on a lock held by another process beats failing at once; WAL lets readers
  // proceed while a write is under way.
  const inner = await new PrismaBetterSQLite3({ url: file, timeout: 5000 }).connect();
  const adapter = new SerializedSqliteAdapter(inner, (error) =>
    logger.warn(
      { err: error },
      'SQLite could not commit a transaction and rolled it back; is the disk full or the file read-only?',
    ),
  );
  await adapter.executeScript('PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;');
  if (file !== ':memory:') {
    await adapter.executeScript('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
  }
  const report = await migrateSqlite(adapter, migrations === 'apply');
  const client = new SqliteClient({ adapter: adapter.asFactory() });
  const ping = async () => {
    await adapter.queryRaw({ sql: 'SELECT 1', args: [], argTypes: [] });
  };

  return { database: new Database('sqlite', client, ping, () => adapter.dispose()), report };
}

async function openPostgresql(
  url: string,
  config: GatehouseConfig,
  logger: Logger,
  migrations: MigrationMode,
) {
  const [{ PrismaPg }, { default: pg }, { PrismaClient: PostgresqlPrismaClient }] =
    await Promise.all([
      import('@prisma/adapter-pg'),
      import('pg'),
      import('../generated/postgresql/client.js'),
    ]);
  const timeout = config.databaseQueryTimeoutMs;
  const pool = new pg.Pool({
    connectionString: url,
    max: config.databaseMaxConnections,
    connectionTimeoutMillis: timeout,
    query_timeout: timeout,
    idleTimeoutMillis: 30_000,
    application_name: 'gatehouse',
  });
  // An idle client losing its connection emits here; without a listener the process would crash.
  // Only the message and code are logged: the error carries the client, with its connection
  // settings and the server's cancel key.
  pool.on('error', (error: Error & { code?: string }) =>
    logger.warn(
      { cause: error.message, code: error.code },
      'PostgreSQL connection lost; the pool reconnects on next use',
    ),
  );

  let report: MigrationReport;
  try {
    report = await migratePostgresql(pool, migrations === 'apply');
  } catch (error) {
    await pool.end();
    throw error;
  }
  const adapter = new PrismaPg(pool, {
    onConnectionError: (error) => logger.warn({ err: error }, 'PostgreSQL connection error'),
  });
  const client = new PostgresqlPrismaClient({ adapter }) as unknown as PrismaClient;
  const ping = async () => {
    await pool.query('SELECT 1');
  };

  return { database: new Database('postgresql', client, ping, () => pool.end()), report };
}

/** Types a value for a Json column; the value must serialise to JSON. */
export function asJson(value: unknown): Prisma.InputJsonValue {
  return value as Prisma.InputJsonValue;
}
