import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

import type { Logger } from 'pino';

import type { GatehouseConfig } from '../config/gatehouse-config.js';
import { openDatabase, type Database, type MigrationMode } from '../database/database.js';
import { parseDsn } from '../database/dsn.js';
import type { MigrationReport } from '../database/migrator.js';
import { isConnectionError, isSqliteStorageError } from '../database/prisma-errors.js';
import { HttpError } from '../common/errors.js';
import { createCoreServices, type CoreServices } from './core.module.js';
import { createListenerApp, type ListenerApp } from './http-app.js';
import { buildOpenApiDocument } from './openapi.js';
import { openApiDocument } from './openapi.controller.js';

/** A startup failure whose message says what to fix; printed without a stack trace. */
export class StartupError extends Error {
  override readonly name = 'StartupError';
}

export interface RunningServer {
  core: CoreServices;
  publicAddress: AddressInfo;
  adminAddress: AddressInfo;
  /** Stops accepting connections, lets requests in flight finish within the grace period, then closes everything. */
  shutdown(): Promise<void>;
}

// How long a starting process waits for an unreachable PostgreSQL before giving up.
const DATABASE_CONNECT_WINDOW_MS = 30_000;

/** Opens the database, builds both listeners and starts serving them. */
export async function startServer(
  config: GatehouseConfig,
  logger: Logger,
  options: { migrate: boolean },
): Promise<RunningServer> {
  const target = parseDsn(config.dsn);
  const migrations: MigrationMode = target.kind === 'sqlite' || options.migrate ? 'apply' : 'check';
  const { database, report } = await connectWithRetry(config, logger, migrations);
  logMigrations(logger, report);
  if (report.pending.length > 0) {
    await database.close();
    throw new StartupError(
      `The database has ${report.pending.length} pending migration(s) (${report.pending.join(', ')}). Run "gatehouse migrate" first, or start with "gatehouse serve --migrate".`,
    );
  }
  if (config.sessionSecretGenerated) {
    logger.warn(
      'No secrets.session is configured, so a random key signs cookies: sessions end when the process restarts and do not work across replicas. Set SECRETS_SESSION in production.',
    );
  }

  const core = createCoreServices(config, database, logger);
  try {
    await core.schemas.preload();
  } catch (error) {
    await database.close();
    const reason =
      error instanceof HttpError
        ? `${error.reason ?? error.message}${error.debug ? ` (${error.debug})` : ''}`
        : String(error);
    throw new StartupError(`The identity traits schema could not be loaded: ${reason}`);
  }

  const apps = [await createListenerApp('public', core), await createListenerApp('admin', core)];
  openApiDocument.provide(() => buildOpenApiDocument(apps));
  const publicServer = createHttpServer(apps[0], config);
  const adminServer = createHttpServer(apps[1], config);
  const publicAddress = await listen(
    publicServer,
    config.publicHost,
    config.publicPort,
    'serve.public.port',
  );
  const adminAddress = await listen(
    adminServer,
    config.adminHost,
    config.adminPort,
    'serve.admin.port',
  );
  logger.info(
    {
      public: `${publicAddress.address}:${publicAddress.port}`,
      admin: `${adminAddress.address}:${adminAddress.port}`,
      database: target.kind,
    },
    'Gatehouse is serving',
  );

  return {
    core,
    publicAddress,
    adminAddress,
    shutdown: () => shutdown({ config, logger, core, apps, servers: [publicServer, adminServer] }),
  };
}

// Time after the signal during which the listeners still accept connections, at the least.
const MIN_ACCEPT_WINDOW_MS = 250;

// Part of the grace period kept for closing the applications and the database after draining.
const CLEANUP_RESERVE_MS = 500;

/**
 * Stops serving within the grace period: readiness turns 503 at once, the listeners keep
 * accepting requests for shutdown_delay, then stop accepting, and requests in flight may
 * finish until the grace period is nearly over. Whatever still runs then is cut off.
 */
async function shutdown(context: {
  config: GatehouseConfig;
  logger: Logger;
  core: CoreServices;
  apps: ListenerApp[];
  servers: Server[];
}): Promise<void> {
  const { config, logger, core, apps, servers } = context;
  const started = Date.now();
  const deadline = started + config.shutdownGracePeriodMs;
  core.lifecycle.beginShutdown();
  logger.info(
    { gracePeriodMs: config.shutdownGracePeriodMs, delayMs: config.shutdownDelayMs },
    'Shutting down: readiness reports 503',
  );
  // Keep-alive clients must reconnect, and their new connection reaches another replica.
  for (const server of servers) {
    server.prependListener('request', (_request, response: ServerResponse) => {
      response.setHeader('Connection', 'close');
    });
  }
  // Closing a listener resets connections still in its accept queue, and closing idle
  // keep-alive connections loses a request whose bytes have not been read yet. A short window
  // lets requests sent before the signal arrive first, even with shutdown_delay at 0s.
  // NOTE: a request that takes longer than MIN_ACCEPT_WINDOW_MS to reach the process can still
  // be reset; shutdown_delay behind a load balancer covers that.
  const delay = Math.min(
    Math.max(config.shutdownDelayMs, MIN_ACCEPT_WINDOW_MS),
    config.shutdownGracePeriodMs,
  );
  if (delay > 0) {
    await sleep(delay);
  }

  logger.info('Closing the listeners and finishing requests in flight');
  const drainUntil = Math.max(Date.now(), deadline - CLEANUP_RESERVE_MS);
  const cut = await Promise.all(servers.map((server) => drain(server, drainUntil - Date.now())));
  const cutOff = cut.reduce((sum, count) => sum + count, 0);
  if (cutOff > 0) {
    logger.warn(
      { connections: cutOff },
      'The grace period ended before every request finished; closed their connections',
    );
  }
  await Promise.all(apps.map((app) => app.nest.close()));
  await core.database.close();
  // NOTE: a password hash still running on libuv's thread pool for a request that was cut off
  // can hold back the process exit until it finishes, up to one hash duration past the grace period.
  logger.info({ durationMs: Date.now() - started }, 'Gatehouse stopped');
}

async function connectWithRetry(
  config: GatehouseConfig,
  logger: Logger,
  migrations: MigrationMode,
): Promise<{ database: Database; report: MigrationReport }> {
  const deadline = Date.now() + DATABASE_CONNECT_WINDOW_MS;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await openDatabase(config, logger, migrations);
    } catch (error) {
      // A read-only or full SQLite file will not fix itself: only unreachable servers are waited for.
      if (!isConnectionError(error) || Date.now() >= deadline) {
        const hint = isSqliteStorageError(error)
          ? '. Check that the SQLite file and its directory are writable by this user and that the disk has space.'
          : '';
        throw new StartupError(`Unable to open the database: ${describeError(error)}${hint}`);
      }
      const delay = Math.min(500 * 2 ** (attempt - 1), 5000);
      logger.warn({ attempt, retryInMs: delay }, 'The database is not reachable yet; retrying');
      await sleep(delay);
    }
  }
}

function logMigrations(logger: Logger, report: MigrationReport): void {
  if (report.applied.length > 0) {
    logger.info({ migrations: report.applied }, 'Applied database migrations');
  }
  if (report.unknown.length > 0) {
    logger.warn(
      { migrations: report.unknown },
      'The database has migrations that this version of Gatehouse does not ship; it may be older than the schema',
    );
  }
  if (report.modified.length > 0) {
    logger.warn(
      { migrations: report.modified },
      'Migrations were applied from files that differ from the shipped ones',
    );
  }
}

function createHttpServer(app: ListenerApp, config: GatehouseConfig): Server {
  const server = createServer(
    {
      requestTimeout: config.requestTimeoutMs,
      headersTimeout: config.headersTimeoutMs,
      keepAliveTimeout: 5000,
      maxHeaderSize: 16 * 1024,
      // Node.js checks the two timeouts above only this often (30 s by default), so a client that
      // trickles its headers or body would otherwise keep its connection far longer than allowed.
      connectionsCheckingInterval: checkingInterval(config),
    },
    app.whoami
      ? (request, response) => {
          if (!app.whoami?.tryServe(request, response)) {
            void app.express(request, response);
          }
        }
      : app.express,
  );
  // Remembers the method of the latest request line seen on each connection, for clientError.
  const lastMethods = new WeakMap<object, string>();
  server.on('connection', (socket: Socket) => {
    socket.on('data', (chunk: Buffer) => {
      const method = methodOf(chunk);
      if (method) {
        lastMethods.set(socket, method);
      }
    });
  });
  // Requests that Node.js cannot parse or that break a limit never reach Express; they still
  // get the error envelope, and the connection is closed.
  server.on('clientError', (error, socket) => {
    if (!socket.writable) {
      socket.destroy();

      return;
    }
    const code = (error as { code?: string }).code;
    const failure =
      code === 'HPE_HEADER_OVERFLOW'
        ? new HttpError(431, {
            reason: 'The request headers are larger than the limit of 16 KiB.',
          })
        : code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? new HttpError(408, {
              reason: 'The client did not send the whole request within the configured timeout.',
            })
          : new HttpError(400, { reason: 'The request is not valid HTTP.' });
    // A response to HEAD has no body. The request line may have come in an earlier packet than
    // the one that broke the limit, so the method is taken from the packets seen so far.
    // NOTE: a packet that contains the end of one request and the start of the next is not
    // recognised, so a HEAD request arriving that way still gets a body.
    const raw = (error as { rawPacket?: Buffer }).rawPacket;
    const method = methodOf(raw) ?? lastMethods.get(socket);
    const body = method === 'HEAD' ? '' : JSON.stringify({ error: failure.toPayload() });
    socket.end(
      `HTTP/1.1 ${failure.code} ${failure.status}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  });

  return server;
}

/** Returns the method of a packet that starts with a request line, such as `GET /path HTTP/1.1`. */
function methodOf(packet: Buffer | undefined): string | undefined {
  return packet ? /^([A-Z]{3,7}) /.exec(packet.subarray(0, 8).toString('latin1'))?.[1] : undefined;
}

/** Returns a quarter of the shortest enabled timeout, kept between 100 ms and 1 s. */
function checkingInterval(config: GatehouseConfig): number {
  const timeouts = [config.headersTimeoutMs, config.requestTimeoutMs].filter((ms) => ms > 0);
  const shortest = timeouts.length > 0 ? Math.min(...timeouts) : 4000;

  return Math.min(1000, Math.max(100, Math.floor(shortest / 4)));
}

function listen(server: Server, host: string, port: number, key: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const reason =
        error.code === 'EADDRINUSE'
          ? 'is already in use'
          : `cannot be opened (${error.code ?? error.message})`;
      reject(
        new StartupError(
          `Port ${port} on ${host || 'all interfaces'} ${reason}; choose another with ${key}.`,
        ),
      );
    });
    server.listen(port, host || undefined, () => resolve(server.address() as AddressInfo));
  });
}

/**
 * Stops accepting connections and waits for requests in flight, closing idle keep-alive
 * connections. Returns how many connections were still busy when the time ran out.
 */
async function drain(server: Server, timeoutMs: number): Promise<number> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  let busy = 0;
  const timer = setTimeout(
    () => {
      server.getConnections((_error, count) => {
        busy = count;
        server.closeAllConnections();
      });
    },
    Math.max(timeoutMs, 0),
  );
  await closed;
  clearTimeout(timer);

  return busy;
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0] : String(error);
}
