import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import type { SqlDriverAdapter } from '@prisma/driver-adapter-utils';
import type pg from 'pg';

export interface Migration {
  name: string;
  checksum: string;
  sql: string;
}

export interface MigrationReport {
  /** Migrations applied by this call, in order. */
  applied: string[];
  /** Migrations that are still to be applied (only with `check`). */
  pending: string[];
  /** Migrations recorded in the database that this version of Gatehouse does not ship. */
  unknown: string[];
  /** Migrations recorded with a checksum that differs from the shipped file. */
  modified: string[];
}

interface AppliedRow {
  name: string;
  checksum: string;
}

/** Compares the bookkeeping rows with the shipped migrations. */
function compare(rows: AppliedRow[], migrations: Migration[]): Omit<MigrationReport, 'applied'> {
  const recorded = new Map(rows.map((row) => [row.name, row.checksum]));
  const shipped = new Set(migrations.map((migration) => migration.name));

  return {
    pending: migrations.filter((migration) => !recorded.has(migration.name)).map(nameOf),
    unknown: rows.filter((row) => !shipped.has(row.name)).map((row) => row.name),
    modified: migrations
      .filter((migration) => {
        const checksum = recorded.get(migration.name);

        return checksum !== undefined && checksum !== migration.checksum;
      })
      .map(nameOf),
  };
}

const nameOf = (migration: Migration) => migration.name;

const MIGRATIONS_ROOT = new URL('../../prisma/', import.meta.url);

// Any constant works; it only has to be the same in every Gatehouse process sharing a database.
const POSTGRESQL_MIGRATION_LOCK = 7_265_108;

/**
 * Lists the committed migrations of a provider in the order they apply. They are the
 * `migration.sql` files that `prisma migrate` writes, and the bookkeeping table is Prisma's
 * `_prisma_migrations`, so the Prisma CLI sees the same history.
 */
export function listMigrations(provider: 'sqlite' | 'postgresql'): Migration[] {
  const directory = new URL(`${provider}/migrations/`, MIGRATIONS_ROOT);
  const path = fileURLToPath(directory);
  if (!existsSync(path)) {
    throw new Error(`The migrations folder ${path} is missing from this installation.`);
  }

  return readdirSync(path, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(new URL(`${name}/migration.sql`, directory), 'utf8');

      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

const SQLITE_BOOKKEEPING = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" TEXT PRIMARY KEY NOT NULL,
  "checksum" TEXT NOT NULL,
  "finished_at" DATETIME,
  "migration_name" TEXT NOT NULL,
  "logs" TEXT,
  "rolled_back_at" DATETIME,
  "started_at" DATETIME NOT NULL DEFAULT current_timestamp,
  "applied_steps_count" INTEGER UNSIGNED NOT NULL DEFAULT 0
);`;

const POSTGRESQL_BOOKKEEPING = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
);`;

const APPLIED_QUERY =
  'SELECT "migration_name", "checksum" FROM "_prisma_migrations" WHERE "finished_at" IS NOT NULL AND "rolled_back_at" IS NULL';

const APPLIED_ONE_QUERY =
  'SELECT 1 FROM "_prisma_migrations" WHERE "migration_name" = ? AND "finished_at" IS NOT NULL AND "rolled_back_at" IS NULL';

/**
 * Applies pending SQLite migrations, each in its own transaction. BEGIN IMMEDIATE takes the
 * write lock before the bookkeeping is read again, so that two processes starting on one file
 * do not both apply a migration.
 */
export async function migrateSqlite(
  adapter: SqlDriverAdapter,
  apply: boolean,
): Promise<MigrationReport> {
  await adapter.executeScript(SQLITE_BOOKKEEPING);
  const result = await adapter.queryRaw({ sql: APPLIED_QUERY, args: [], argTypes: [] });
  const rows = result.rows.map((row) => ({ name: String(row[0]), checksum: String(row[1]) }));
  const migrations = listMigrations('sqlite');
  const report = { applied: [] as string[], ...compare(rows, migrations) };
  if (!apply) {
    return report;
  }

  const string = { scalarType: 'string', arity: 'scalar' } as const;
  for (const migration of migrations.filter((candidate) =>
    report.pending.includes(candidate.name),
  )) {
    await adapter.executeScript('BEGIN IMMEDIATE');
    try {
      const again = await adapter.queryRaw({
        sql: APPLIED_ONE_QUERY,
        args: [migration.name],
        argTypes: [string],
      });
      if (again.rows.length > 0) {
        await adapter.executeScript('COMMIT');
        continue;
      }
      const startedAt = prismaTimestamp();
      await adapter.executeScript(migration.sql);
      // Prisma writes these timestamps as RFC 3339 text with an explicit offset.
      await adapter.executeRaw({
        sql: `INSERT INTO "_prisma_migrations" ("id", "checksum", "migration_name", "started_at", "finished_at", "applied_steps_count")
              VALUES (?, ?, ?, ?, ?, 1)`,
        args: [randomUUID(), migration.checksum, migration.name, startedAt, prismaTimestamp()],
        argTypes: [string, string, string, string, string],
      });
      await adapter.executeScript('COMMIT');
    } catch (error) {
      await adapter.executeScript('ROLLBACK').catch(() => undefined);
      throw new Error(
        `Migration ${migration.name} failed and was rolled back: ${describe(error)}`,
        { cause: error },
      );
    }
    report.applied.push(migration.name);
  }

  return { ...report, pending: [] };
}

function prismaTimestamp(): string {
  return new Date().toISOString().replace('Z', '+00:00');
}

/**
 * Applies pending PostgreSQL migrations, each in its own transaction. An advisory lock lets
 * several replicas or jobs start at once: the others wait, then find nothing left to apply.
 * With `apply` false it only reads the bookkeeping, so a read-only role can check the state.
 */
export async function migratePostgresql(pool: pg.Pool, apply: boolean): Promise<MigrationReport> {
  const migrations = listMigrations('postgresql');
  const client = await pool.connect();
  try {
    if (!apply) {
      const exists = await client.query<{ table: string | null }>(
        `SELECT to_regclass('"_prisma_migrations"')::text AS "table"`,
      );
      const rows = exists.rows[0]?.table ? await readApplied(client) : [];

      return { applied: [], ...compare(rows, migrations) };
    }

    await client.query('SELECT pg_advisory_lock($1)', [POSTGRESQL_MIGRATION_LOCK]);
    await client.query(POSTGRESQL_BOOKKEEPING);
    const report = { applied: [] as string[], ...compare(await readApplied(client), migrations) };
    for (const migration of migrations.filter((candidate) =>
      report.pending.includes(candidate.name),
    )) {
      await client.query('BEGIN');
      try {
        await client.query(migration.sql);
        await client.query(
          `INSERT INTO "_prisma_migrations" ("id", "checksum", "migration_name", "started_at", "finished_at", "applied_steps_count")
           VALUES ($1, $2, $3, now(), clock_timestamp(), 1)`,
          [randomUUID(), migration.checksum, migration.name],
        );
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw new Error(
          `Migration ${migration.name} failed and was rolled back: ${describe(error)}`,
          { cause: error },
        );
      }
      report.applied.push(migration.name);
    }

    return { ...report, pending: [] };
  } finally {
    if (apply) {
      await client
        .query('SELECT pg_advisory_unlock($1)', [POSTGRESQL_MIGRATION_LOCK])
        .catch(() => undefined);
    }
    client.release();
  }
}

async function readApplied(client: pg.PoolClient): Promise<AppliedRow[]> {
  const result = await client.query<{ migration_name: string; checksum: string }>(APPLIED_QUERY);

  return result.rows.map((row) => ({ name: row.migration_name, checksum: row.checksum }));
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
