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
  applied: string[];
  pending: string[];
}

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
  'SELECT "migration_name" FROM "_prisma_migrations" WHERE "finished_at" IS NOT NULL AND "rolled_back_at" IS NULL';

/** Applies pending SQLite migrations, each in its own transaction. */
export async function migrateSqlite(
  adapter: SqlDriverAdapter,
  apply: boolean,
): Promise<MigrationReport> {
  await adapter.executeScript(SQLITE_BOOKKEEPING);
  const result = await adapter.queryRaw({ sql: APPLIED_QUERY, args: [], argTypes: [] });
  const done = new Set(result.rows.map((row) => String(row[0])));
  const pending = listMigrations('sqlite').filter((migration) => !done.has(migration.name));
  if (!apply) {
    return { applied: [], pending: pending.map((migration) => migration.name) };
  }

  const applied: string[] = [];
  for (const migration of pending) {
    await adapter.executeScript('BEGIN');
    try {
      await adapter.executeScript(migration.sql);
      await adapter.executeRaw({
        sql: `INSERT INTO "_prisma_migrations" ("id", "checksum", "migration_name", "started_at", "finished_at", "applied_steps_count")
              VALUES (?, ?, ?, ?, ?, 1)`,
        args: [randomUUID(), migration.checksum, migration.name, Date.now(), Date.now()],
        argTypes: [
          { scalarType: 'string', arity: 'scalar' },
          { scalarType: 'string', arity: 'scalar' },
          { scalarType: 'string', arity: 'scalar' },
          { scalarType: 'bigint', arity: 'scalar' },
          { scalarType: 'bigint', arity: 'scalar' },
        ],
      });
      await adapter.executeScript('COMMIT');
    } catch (error) {
      await adapter.executeScript('ROLLBACK');
      throw new Error(
        `Migration ${migration.name} failed and was rolled back: ${describe(error)}`,
        { cause: error },
      );
    }
    applied.push(migration.name);
  }

  return { applied, pending: [] };
}

/**
 * Applies pending PostgreSQL migrations, each in its own transaction. An advisory lock lets
 * several replicas or jobs start at once: the others wait, then find nothing left to apply.
 */
export async function migratePostgresql(pool: pg.Pool, apply: boolean): Promise<MigrationReport> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [POSTGRESQL_MIGRATION_LOCK]);
    await client.query(POSTGRESQL_BOOKKEEPING);
    const result = await client.query<{ migration_name: string }>(APPLIED_QUERY);
    const done = new Set(result.rows.map((row) => row.migration_name));
    const pending = listMigrations('postgresql').filter((migration) => !done.has(migration.name));
    if (!apply) {
      return { applied: [], pending: pending.map((migration) => migration.name) };
    }

    const applied: string[] = [];
    for (const migration of pending) {
      await client.query('BEGIN');
      try {
        await client.query(migration.sql);
        await client.query(
          `INSERT INTO "_prisma_migrations" ("id", "checksum", "migration_name", "started_at", "finished_at", "applied_steps_count")
           VALUES ($1, $2, $3, now(), now(), 1)`,
          [randomUUID(), migration.checksum, migration.name],
        );
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new Error(
          `Migration ${migration.name} failed and was rolled back: ${describe(error)}`,
          { cause: error },
        );
      }
      applied.push(migration.name);
    }

    return { applied, pending: [] };
  } finally {
    await client
      .query('SELECT pg_advisory_unlock($1)', [POSTGRESQL_MIGRATION_LOCK])
      .catch(() => undefined);
    client.release();
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
