import { randomBytes } from 'node:crypto';
import path from 'node:path';

import pg from 'pg';

/** Base URL of the PostgreSQL server that tests create their databases on. */
export const POSTGRESQL_URL =
  process.env.GATEHOUSE_TEST_POSTGRESQL_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  dsn: string;
  drop(): Promise<void>;
}

/** A new, empty database: an SQLite file in the directory, or a PostgreSQL database of its own. */
export async function createTestDatabase(
  kind: 'sqlite' | 'postgresql',
  directory: string,
): Promise<TestDatabase> {
  if (kind === 'sqlite') {
    return {
      dsn: `sqlite://${path.join(directory, 'gatehouse.sqlite')}`,
      drop: () => Promise.resolve(),
    };
  }
  const name = `gatehouse_test_${randomBytes(6).toString('hex')}`;
  await withAdminClient((client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(POSTGRESQL_URL);
  url.pathname = `/${name}`;

  return {
    dsn: url.toString(),
    drop: () =>
      withAdminClient((client) =>
        client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
      ).then(() => undefined),
  };
}

async function withAdminClient<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRESQL_URL, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Database kinds the end-to-end suites run against in this run; see global-setup.ts. */
export function databaseKinds(): ('sqlite' | 'postgresql')[] {
  return process.env.GATEHOUSE_TEST_POSTGRESQL_AVAILABLE === '1'
    ? ['sqlite', 'postgresql']
    : ['sqlite'];
}
