import 'reflect-metadata';

import { writeFileSync } from 'node:fs';

import { Command } from 'commander';
import type { Logger } from 'pino';

import { createCoreServices } from './app/core.module.js';
import { createListenerApp } from './app/http-app.js';
import { buildOpenApiDocument, findUndocumentedRoutes } from './app/openapi.js';
import { startServer, StartupError } from './app/server.js';
import { createLogger } from './common/logger.js';
import { ConfigError } from './config/config.loader.js';
import { GatehouseConfig } from './config/gatehouse-config.js';
import { openDatabase } from './database/database.js';
import { VERSION } from './version.js';

// Time after the grace period at which a shutdown that still has not finished is abandoned.
const SHUTDOWN_WATCHDOG_MARGIN_MS = 2000;

interface ConfigOptions {
  config?: string;
}

function loadConfig(options: ConfigOptions, overrides: NodeJS.ProcessEnv = {}): GatehouseConfig {
  return GatehouseConfig.load({
    file: options.config ?? process.env.GATEHOUSE_CONFIG,
    env: { ...process.env, ...overrides },
  });
}

async function serve(options: ConfigOptions & { migrate?: boolean }): Promise<void> {
  const config = loadConfig(options);
  const logger = createLogger(config);
  const server = await startServer(config, logger, { migrate: options.migrate === true });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      return;
    }
    stopping = true;
    logger.info({ signal }, 'Received shutdown signal');
    // A safety net for closing steps that hang, such as a database that no longer responds.
    const watchdogMs = config.shutdownGracePeriodMs + SHUTDOWN_WATCHDOG_MARGIN_MS;
    setTimeout(() => {
      logger.error({ watchdogMs }, 'Shutdown did not finish in time; exiting');
      process.exit(1);
    }, watchdogMs).unref();
    server.shutdown().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'Shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

async function migrate(options: ConfigOptions & { status?: boolean }): Promise<void> {
  const config = loadConfig(options);
  const logger = createLogger(config);
  const { database, report } = await openDatabase(
    config,
    logger,
    options.status ? 'check' : 'apply',
  );
  await database.close();

  const lines: string[] = [];
  if (options.status) {
    lines.push(
      report.pending.length === 0
        ? 'The database is up to date.'
        : `Pending migrations:\n${report.pending.join('\n')}`,
    );
  } else {
    lines.push(
      report.applied.length === 0
        ? 'The database is up to date; no migrations were applied.'
        : `Successfully applied SQL migrations:\n${report.applied.join('\n')}`,
    );
  }

  if (report.unknown.length > 0) {
    lines.push(
      `Applied in the database but not shipped with this version:\n${report.unknown.join('\n')}`,
    );
  }
  if (report.modified.length > 0) {
    lines.push(`Applied from a file that has changed since:\n${report.modified.join('\n')}`);
  }
  console.log(lines.join('\n'));

  // Like `prisma migrate status`, a status check fails while migrations are pending, so that
  // scripts and init containers can wait on it.
  if (options.status && report.pending.length > 0) {
    process.exitCode = 1;
  }
}

async function writeOpenApi(options: { output?: string }): Promise<void> {
  // The document comes from decorators only, so a throwaway in-memory database serves.
  const config = loadConfig({}, { DSN: 'memory', LOG_LEVEL: 'error' });
  const logger = createLogger(config);
  const { database } = await openDatabase(config, logger, 'apply');
  const core = createCoreServices(config, database, logger);
  const apps = [await createListenerApp('public', core), await createListenerApp('admin', core)];
  const document = buildOpenApiDocument(apps);
  const undocumented = findUndocumentedRoutes(apps, document);
  await Promise.all(apps.map((app) => app.nest.close()));
  await database.close();
  if (undocumented.length > 0) {
    throw new StartupError(
      `These routes have no OpenAPI description; add @ApiOperation and response decorators, or @ApiExcludeController for HTML pages:\n${undocumented.join('\n')}`,
    );
  }
  const text = `${JSON.stringify(document, null, 2)}\n`;
  if (options.output) {
    writeFileSync(options.output, text);
  } else {
    process.stdout.write(text);
  }
}

function fail(error: unknown, logger?: Logger): never {
  if (error instanceof ConfigError || error instanceof StartupError) {
    console.error(error.message);
  } else {
    logger?.error({ err: error }, 'Gatehouse failed');
    console.error(`Gatehouse failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  process.exit(1);
}

const program = new Command()
  .name('gatehouse')
  .description('Identity and user-management server with the ORY Kratos v0.1 HTTP API')
  .version(VERSION, '-v, --version', 'print the version');

program
  .command('serve')
  .description('serve the public and admin APIs')
  .option('-c, --config <path>', 'YAML or JSON configuration file (default: $GATEHOUSE_CONFIG)')
  .option(
    '--migrate',
    'apply pending PostgreSQL migrations before serving (SQLite databases are always migrated)',
  )
  .action((options: ConfigOptions & { migrate?: boolean }) =>
    serve(options).catch((error: unknown) => fail(error)),
  );

program
  .command('migrate')
  .description('apply pending database migrations')
  .option('-c, --config <path>', 'YAML or JSON configuration file (default: $GATEHOUSE_CONFIG)')
  .option(
    '--status',
    'list pending migrations without applying them; exits with 1 while any are pending',
  )
  .action((options: ConfigOptions & { status?: boolean }) =>
    migrate(options).catch((error: unknown) => fail(error)),
  );

program
  .command('version')
  .description('print the version')
  .action(() => {
    console.log(`Version:\t${VERSION}`);
  });

program
  .command('openapi')
  .description('write the OpenAPI document of both APIs')
  .option('-o, --output <path>', 'file to write (default: standard output)')
  .action((options: { output?: string }) =>
    writeOpenApi(options).catch((error: unknown) => fail(error)),
  );

await program.parseAsync(process.argv);
