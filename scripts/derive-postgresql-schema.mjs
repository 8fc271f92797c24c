// Writes prisma/postgresql/schema.prisma from prisma/sqlite/schema.prisma, so that both
// providers share one data model. Run with --check to fail when the committed file is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const sourcePath = path.join(root, 'prisma/sqlite/schema.prisma');
const targetPath = path.join(root, 'prisma/postgresql/schema.prisma');

export function derivePostgresqlSchema(source) {
  return source
    .replace(/^\/\/ Gatehouse data model for SQLite\..*\n\/\/.*\n/m, HEADER)
    .replace(
      'output              = "../../src/generated/sqlite"',
      'output              = "../../src/generated/postgresql"',
    )
    .replace('provider = "sqlite"', 'provider = "postgresql"')
    .replace('env("GATEHOUSE_PRISMA_SQLITE_URL")', 'env("GATEHOUSE_PRISMA_POSTGRESQL_URL")')
    .replace(/^(\s+\w+\s+DateTime\??)(\s.*)?$/gm, (line) => `${line} @db.Timestamptz(3)`);
}

const HEADER =
  '// Generated from prisma/sqlite/schema.prisma by scripts/derive-postgresql-schema.mjs.\n' +
  '// Edit the SQLite schema and run `npm run prisma:derive` instead of editing this file.\n';

if (process.argv[1] === import.meta.filename) {
  const derived = derivePostgresqlSchema(readFileSync(sourcePath, 'utf8'));
  if (process.argv.includes('--check')) {
    if (readFileSync(targetPath, 'utf8') !== derived) {
      console.error(`${targetPath} is stale: run npm run prisma:derive`);
      process.exit(1);
    }
  } else {
    writeFileSync(targetPath, derived);
  }
}
