import { existsSync } from 'node:fs';

import pg from 'pg';

// Jest loads this file outside its module mapping, so it imports no project files.
const POSTGRESQL_URL =
  process.env.GATEHOUSE_TEST_POSTGRESQL_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * Checks what the suites need before any of them runs: the built server, and whether the
 * PostgreSQL server answers. Without PostgreSQL the PostgreSQL half of each suite is skipped
 * with a warning, unless GATEHOUSE_REQUIRE_POSTGRESQL=1 (as in CI) makes that an error.
 */
export default async function globalSetup(): Promise<void> {
  if (!existsSync(new URL('../../dist/main.js', import.meta.url))) {
    throw new Error(
      'dist/main.js is missing: run "npm run build" before the tests (npm test does it through pretest).',
    );
  }
  process.env.GATEHOUSE_TEST_POSTGRESQL_URL = POSTGRESQL_URL;
  const available = await probe();
  process.env.GATEHOUSE_TEST_POSTGRESQL_AVAILABLE = available ? '1' : '0';
  if (!available) {
    if (process.env.GATEHOUSE_REQUIRE_POSTGRESQL === '1') {
      throw new Error(
        `PostgreSQL at ${POSTGRESQL_URL} is not reachable, and GATEHOUSE_REQUIRE_POSTGRESQL=1 requires it.`,
      );
    }
    console.warn(
      `\nPostgreSQL at ${POSTGRESQL_URL} is not reachable: the PostgreSQL suites are SKIPPED. Set GATEHOUSE_TEST_POSTGRESQL_URL to run them.\n`,
    );
  }
}

async function probe(): Promise<boolean> {
  const client = new pg.Client({ connectionString: POSTGRESQL_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');

    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}
