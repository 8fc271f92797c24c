import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import Sqlite from 'better-sqlite3';
import pg from 'pg';
import { pino } from 'pino';

import type { GatehouseConfig } from '../../src/config/gatehouse-config.js';
import { openDatabase } from '../../src/database/database.js';
import {
  createTestDatabase,
  databaseKinds,
  POSTGRESQL_URL,
  type TestDatabase,
} from '../support/databases.js';
import type { DatabaseKind } from './contract-database.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function run(
  command: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, command, {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, CHECKPOINT_DISABLE: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));

  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

/** Generates the SQL that creates the whole schema.prisma of a provider on an empty database. */
async function schemaScript(kind: DatabaseKind, directory: string): Promise<string> {
  // The SQLite diff only needs a URL that resolves; the PostgreSQL one connects to a server.
  const env: Record<string, string> =
    kind === 'sqlite'
      ? { GATEHOUSE_PRISMA_SQLITE_URL: `file:${path.join(directory, 'prisma-cli.sqlite')}` }
      : { GATEHOUSE_PRISMA_POSTGRESQL_URL: POSTGRESQL_URL };
  const result = await run(
    [
      'node_modules/prisma/build/index.js',
      'migrate',
      'diff',
      '--config',
      `prisma/${kind}/prisma.config.ts`,
      '--from-empty',
      '--to-schema-datamodel',
      `prisma/${kind}/schema.prisma`,
      '--script',
    ],
    env,
  );
  if (result.code !== 0) {
    throw new Error(`prisma migrate diff failed: ${result.stderr}`);
  }

  return result.stdout;
}

/** Tables, columns, indexes and constraints of a database, in a comparable form. */
async function describeSchema(kind: DatabaseKind, dsn: string): Promise<unknown> {
  if (kind === 'sqlite') {
    const database = new Sqlite(dsn.replace(/^sqlite:\/\//, ''), { readonly: true });
    try {
      return database
        .prepare(
          `SELECT type, name, tbl_name AS "table", sql FROM sqlite_master
           WHERE name NOT LIKE 'sqlite_%' AND tbl_name <> '_prisma_migrations' ORDER BY type, name`,
        )
        .all()
        .map((row) => {
          const entry = row as { sql: string | null };

          return { ...entry, sql: entry.sql?.replace(/\s+/g, ' ') };
        });
    } finally {
      database.close();
    }
  }

  const client = new pg.Client({ connectionString: dsn });
  await client.connect();
  try {
    const columns = await client.query(
      `SELECT table_name, column_name, data_type, is_nullable, column_default, character_maximum_length,
              datetime_precision
       FROM information_schema.columns
       WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'
       ORDER BY table_name, column_name`,
    );
    const indexes = await client.query(
      `SELECT tablename, indexname, indexdef FROM pg_indexes
       WHERE schemaname = 'public' AND tablename <> '_prisma_migrations' ORDER BY indexname`,
    );
    const constraints = await client.query(
      `SELECT conrelid::regclass::text AS "table", conname, pg_get_constraintdef(oid) AS definition
       FROM pg_constraint WHERE connamespace = 'public'::regnamespace
         AND conrelid::regclass::text <> '_prisma_migrations'
       ORDER BY conname`,
    );

    return { columns: columns.rows, indexes: indexes.rows, constraints: constraints.rows };
  } finally {
    await client.end();
  }
}

async function applyScript(kind: DatabaseKind, dsn: string, script: string): Promise<void> {
  if (kind === 'sqlite') {
    const database = new Sqlite(dsn.replace(/^sqlite:\/\//, ''));
    try {
      database.exec(script);
    } finally {
      database.close();
    }

    return;
  }
  const client = new pg.Client({ connectionString: dsn });
  await client.connect();
  try {
    await client.query(script);
  } finally {
    await client.end();
  }
}

describe.each(databaseKinds())('committed migrations on %s', (kind) => {
  const directories: string[] = [];
  const databases: TestDatabase[] = [];

  async function emptyDatabase(): Promise<TestDatabase> {
    const directory = mkdtempSync(path.join(tmpdir(), 'gatehouse-schema-'));
    directories.push(directory);
    const database = await createTestDatabase(kind, directory);
    databases.push(database);

    return database;
  }

  afterAll(async () => {
    for (const database of databases) {
      await database.drop();
    }
    for (const directory of directories) {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('build the schema that schema.prisma declares', async () => {
    const migrated = await emptyDatabase();
    const config = {
      dsn: migrated.dsn,
      databaseQueryTimeoutMs: 5000,
      databaseMaxConnections: 2,
    } as GatehouseConfig;
    const { database } = await openDatabase(config, pino({ level: 'silent' }), 'apply');
    await database.close();

    const declared = await emptyDatabase();
    await applyScript(kind, declared.dsn, await schemaScript(kind, directories[0]));

    // On failure, generate a migration for the change to schema.prisma (see prisma/README.md).
    expect(await describeSchema(kind, migrated.dsn)).toEqual(
      await describeSchema(kind, declared.dsn),
    );
  }, 120_000);
});

describe('PostgreSQL schema', () => {
  it('is derived from the SQLite schema', async () => {
    const result = await run(['scripts/derive-postgresql-schema.mjs', '--check']);

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });
});
