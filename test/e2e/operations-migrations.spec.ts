import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import pg from 'pg';

import { listMigrations } from '../../src/database/migrator.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/databases.js';
import { freePort, runCli, startGatehouse, TEST_ENV } from '../support/gatehouse.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PRISMA_CLI = path.join(ROOT, 'node_modules/prisma/build/index.js');

/** Runs the Prisma CLI against a database with the project's config for that provider. */
async function prisma(
  kind: 'sqlite' | 'postgresql',
  dsn: string,
  args: string[],
): Promise<{ code: number | null; output: string }> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    CHECKPOINT_DISABLE: '1',
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
    ...(kind === 'sqlite'
      ? { GATEHOUSE_PRISMA_SQLITE_URL: `file:${dsn.replace(/^sqlite:\/\//, '')}` }
      : { GATEHOUSE_PRISMA_POSTGRESQL_URL: dsn }),
  };
  const child = spawn(
    process.execPath,
    [PRISMA_CLI, ...args, '--config', `prisma/${kind}/prisma.config.ts`],
    { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));

  return { code, output };
}

async function tableNames(dsn: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: dsn });
  await client.connect();
  try {
    const result = await client.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
    );

    return result.rows.map((row) => row.table_name);
  } finally {
    await client.end();
  }
}

describe.each(databaseKinds())('migrations on %s', (kind) => {
  let directory: string;
  let database: TestDatabase;
  const env = () => ({ ...TEST_ENV, DSN: database.dsn });

  beforeEach(async () => {
    directory = mkdtempSync(path.join(tmpdir(), 'gatehouse-migrate-'));
    database = await createTestDatabase(kind, directory);
  });

  afterEach(async () => {
    await database.drop();
    rmSync(directory, { recursive: true, force: true });
  });

  it('migrate --status lists pending migrations and exits 1', async () => {
    const status = await runCli(['migrate', '--status'], env());
    expect(status.code).toBe(1);
    expect(status.stdout).toMatch(/^Pending migrations:\n\d{14}_init$/m);
  });

  it('migrate applies pending migrations once', async () => {
    const first = await runCli(['migrate'], env());
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/Successfully applied SQL migrations:\n\d{14}_init/);

    const second = await runCli(['migrate'], env());
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('The database is up to date; no migrations were applied.');

    const status = await runCli(['migrate', '--status'], env());
    expect(status.code).toBe(0);
    expect(status.stdout.trim()).toBe('The database is up to date.');
  });

  it('Prisma reads the bookkeeping as up to date', async () => {
    expect((await runCli(['migrate'], env())).code).toBe(0);

    const status = await prisma(kind, database.dsn, ['migrate', 'status']);
    expect(status.output).toContain('Database schema is up to date!');
    expect(status.code).toBe(0);
  }, 120_000);

  it('Gatehouse reads the bookkeeping of prisma migrate deploy', async () => {
    const deploy = await prisma(kind, database.dsn, ['migrate', 'deploy']);
    expect(deploy.output).toContain('All migrations have been successfully applied.');
    expect(deploy.code).toBe(0);

    // Equal checksums: otherwise the status lists the migration as changed.
    const status = await runCli(['migrate', '--status'], env());
    expect(status.stdout.trim()).toBe('The database is up to date.');
    expect(status.code).toBe(0);
  }, 120_000);
});

const postgresqlOnly = databaseKinds().includes('postgresql') ? describe : describe.skip;

postgresqlOnly('serve and migrations on postgresql', () => {
  let directory: string;
  let database: TestDatabase;

  beforeEach(async () => {
    directory = mkdtempSync(path.join(tmpdir(), 'gatehouse-migrate-'));
    database = await createTestDatabase('postgresql', directory);
  });

  afterEach(async () => {
    await database.drop();
    rmSync(directory, { recursive: true, force: true });
  });

  it('serve without --migrate refuses pending migrations and changes nothing', async () => {
    const result = await runCli(['serve'], {
      ...TEST_ENV,
      DSN: database.dsn,
      SERVE_PUBLIC_HOST: '127.0.0.1',
      SERVE_ADMIN_HOST: '127.0.0.1',
      SERVE_PUBLIC_PORT: String(await freePort()),
      SERVE_ADMIN_PORT: String(await freePort()),
    });
    expect(result.code).toBe(1);
    const shipped = listMigrations('postgresql').map((migration) => migration.name);
    expect(result.stderr).toContain(
      `${shipped.length} pending migration(s) (${shipped.join(', ')})`,
    );
    expect(result.stderr).toContain('gatehouse migrate');
    expect(await tableNames(database.dsn)).toEqual([]);
  });

  it('serve --migrate applies them and serves', async () => {
    const server = await startGatehouse({ dsn: database.dsn, args: ['--migrate'] });
    try {
      expect(server.logs.join('\n')).toContain('Applied database migrations');
      const ready = await fetch(`${server.adminUrl}/health/ready`);
      expect(ready.status).toBe(200);
    } finally {
      await server.stop();
    }
    expect(await tableNames(database.dsn)).toEqual(
      expect.arrayContaining(['_prisma_migrations', 'identities', 'sessions']),
    );
  });

  it('serve accepts postgresql:// after migrate', async () => {
    expect((await runCli(['migrate'], { ...TEST_ENV, DSN: database.dsn })).code).toBe(0);
    const dsn = database.dsn.replace(/^postgres:/, 'postgresql:');
    expect(dsn.startsWith('postgresql://')).toBe(true);

    const server = await startGatehouse({ dsn });
    try {
      const created = await fetch(`${server.adminUrl}/identities`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ traits: { email: 'scheme@example.com' } }),
      });
      expect(created.status).toBe(201);
    } finally {
      await server.stop();
    }
  });

  it('concurrent migrate runs apply each migration once', async () => {
    const env = { ...TEST_ENV, DSN: database.dsn };
    const runs = await Promise.all([runCli(['migrate'], env), runCli(['migrate'], env)]);
    expect(runs.map((run) => run.code)).toEqual([0, 0]);
    const applied = runs.filter((run) => run.stdout.includes('Successfully applied'));
    expect(applied).toHaveLength(1);

    const client = new pg.Client({ connectionString: database.dsn });
    await client.connect();
    try {
      const rows = await client.query('SELECT migration_name FROM "_prisma_migrations"');
      expect(rows.rowCount).toBe(listMigrations('postgresql').length);
    } finally {
      await client.end();
    }
  });

  it('migrate --status reports changed and unknown migrations', async () => {
    const env = { ...TEST_ENV, DSN: database.dsn };
    expect((await runCli(['migrate'], env)).code).toBe(0);
    const client = new pg.Client({ connectionString: database.dsn });
    await client.connect();
    try {
      await client.query(`UPDATE "_prisma_migrations" SET "checksum" = 'edited'`);
      await client.query(
        `INSERT INTO "_prisma_migrations" ("id", "checksum", "migration_name", "finished_at", "applied_steps_count")
         VALUES ('f3b0c1d2-0000-4000-8000-000000000000', 'x', '29991231000000_from_the_future', now(), 1)`,
      );
    } finally {
      await client.end();
    }

    const status = await runCli(['migrate', '--status'], env);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/changed since:\n\d{14}_init/);
    expect(status.stdout).toMatch(/not shipped with this version:\n29991231000000_from_the_future/);
  });

  it('migrate reports an unreachable server without the password', async () => {
    const result = await runCli(['migrate'], {
      ...TEST_ENV,
      DSN: 'postgres://gatehouse:hunter2-secret@127.0.0.1:1/gatehouse',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/ECONNREFUSED|connect/i);
    expect(result.stdout + result.stderr).not.toContain('hunter2-secret');
  });
});
