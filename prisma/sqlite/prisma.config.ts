import path from 'node:path';

import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { defineConfig } from 'prisma/config';

// The JavaScript schema engine avoids the native engine download that this CLI
// otherwise attempts; it reaches the database through the same driver adapter as the service.
const url = process.env.GATEHOUSE_PRISMA_SQLITE_URL ?? 'file:./data/prisma-cli.sqlite';
process.env.GATEHOUSE_PRISMA_SQLITE_URL = url;

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: path.join(import.meta.dirname, 'schema.prisma'),
  migrations: { path: path.join(import.meta.dirname, 'migrations') },
  adapter: async () => new PrismaBetterSQLite3({ url }),
});
