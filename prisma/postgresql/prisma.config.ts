import path from 'node:path';

import { PrismaPg } from '@prisma/adapter-pg';
import { defineConfig } from 'prisma/config';

// The JavaScript schema engine avoids the native engine download that this CLI
// otherwise attempts. adapter-pg 7.x is needed here, because 6.19 fails to read
// PostgreSQL `name` columns during `migrate deploy`.
const url = process.env.GATEHOUSE_PRISMA_POSTGRESQL_URL ?? 'postgresql://127.0.0.1:5432/gatehouse';
process.env.GATEHOUSE_PRISMA_POSTGRESQL_URL = url;

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: path.join(import.meta.dirname, 'schema.prisma'),
  migrations: { path: path.join(import.meta.dirname, 'migrations') },
  // allowExitOnIdle lets the CLI exit as soon as it is done instead of after the pool's idle timeout.
  adapter: async () => new PrismaPg({ connectionString: url, allowExitOnIdle: true }),
});
