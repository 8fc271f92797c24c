import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { pino } from 'pino';

import type { GatehouseConfig } from '../../src/config/gatehouse-config.js';
import { openDatabase, type Database } from '../../src/database/database.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';

export type DatabaseKind = 'sqlite' | 'postgresql';

/** A migrated database of one kind, opened in this process the way the server opens it. */
export interface ContractDatabase {
  database: Database;
  /** Deletes every row, so that each case starts from an empty database. */
  clear(): Promise<void>;
  close(): Promise<void>;
}

export async function openContractDatabase(kind: DatabaseKind): Promise<ContractDatabase> {
  const directory = mkdtempSync(path.join(tmpdir(), 'gatehouse-contract-'));
  const target: TestDatabase = await createTestDatabase(kind, directory);
  const config = {
    dsn: target.dsn,
    databaseQueryTimeoutMs: 5000,
    databaseMaxConnections: 4,
  } as GatehouseConfig;
  const { database } = await openDatabase(config, pino({ level: 'silent' }), 'apply');

  return {
    database,
    clear: async () => {
      const client = database.client;
      await client.identity.deleteMany();
      await client.flowRequest.deleteMany();
      await client.selfServiceError.deleteMany();
      await client.loginThrottleWindow.deleteMany();
    },
    close: async () => {
      await database.close();
      await target.drop();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
