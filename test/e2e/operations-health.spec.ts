import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import {
  createTestDatabase,
  databaseKinds,
  POSTGRESQL_URL,
  type TestDatabase,
} from '../support/databases.js';
import { dropTestDatabases, startGatehouse, type TestServer } from '../support/gatehouse.js';
import { TcpProxy } from '../support/tcp-proxy.js';

async function timedGet(url: string): Promise<{ status: number; body: any; ms: number }> {
  const started = performance.now();
  const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
  const body = await response.json();

  return { status: response.status, body, ms: performance.now() - started };
}

describe.each(databaseKinds())('health endpoints on %s', (database) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startGatehouse({ database });
  });

  afterAll(async () => {
    await server.stop();
    await dropTestDatabases();
  });

  it.each(['public', 'admin'] as const)('alive and ready return ok on %s', async (listener) => {
    const base = listener === 'public' ? server.publicUrl : server.adminUrl;
    for (const endpoint of ['alive', 'ready']) {
      const response = await fetch(`${base}/health/${endpoint}`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'ok' });
    }
  });

  it('version returns the package version', async () => {
    const response = await fetch(`${server.adminUrl}/version`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
  });
});

const postgresqlOnly = databaseKinds().includes('postgresql') ? describe : describe.skip;

postgresqlOnly('readiness while PostgreSQL is unreachable', () => {
  let proxy: TcpProxy;
  let database: TestDatabase;
  let directory: string;
  let server: TestServer;

  beforeAll(async () => {
    const target = new URL(POSTGRESQL_URL);
    proxy = await TcpProxy.start(target.hostname, Number(target.port || 5432));
    directory = mkdtempSync(path.join(tmpdir(), 'gatehouse-health-'));
    database = await createTestDatabase('postgresql', directory);
    const dsn = new URL(database.dsn);
    dsn.host = `127.0.0.1:${proxy.port}`;
    server = await startGatehouse({
      dsn: dsn.toString(),
      args: ['--migrate'],
      env: { DATABASE_QUERY_TIMEOUT: '3s' },
    });
  });

  afterAll(async () => {
    await server?.stop();
    await proxy?.stop();
    await database?.drop();
    rmSync(directory, { recursive: true, force: true });
  });

  async function waitUntilReady(): Promise<number> {
    const started = performance.now();
    for (;;) {
      const ready = await timedGet(`${server.adminUrl}/health/ready`);
      if (ready.status === 200) {
        return performance.now() - started;
      }
      if (performance.now() - started > 15_000) {
        throw new Error(`still not ready: ${JSON.stringify(ready.body)}`);
      }
      await sleep(250);
    }
  }

  it('is ready through the proxy', async () => {
    expect((await timedGet(`${server.adminUrl}/health/ready`)).status).toBe(200);
  });

  it('ready recovers after refused connections', async () => {
    await proxy.cut();

    for (const base of [server.publicUrl, server.adminUrl, server.publicUrl]) {
      const ready = await timedGet(`${base}/health/ready`);
      expect(ready.status).toBe(503);
      expect(ready.body).toEqual({ errors: { database: expect.any(String) } });
      expect(ready.ms).toBeLessThan(1000);

      const alive = await timedGet(`${base}/health/alive`);
      expect(alive.status).toBe(200);
      expect(alive.body).toEqual({ status: 'ok' });
    }

    const list = await fetch(`${server.adminUrl}/identities`);
    expect(list.status).toBe(503);
    expect(list.headers.get('retry-after')).toBe('1');
    expect(((await list.json()) as { error: { code: number } }).error.code).toBe(503);

    await proxy.restore();
    await waitUntilReady();
    const created = await fetch(`${server.adminUrl}/identities`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ traits: { email: 'after-outage@example.com' } }),
    });
    expect(created.status).toBe(201);
    expect(server.process.exitCode).toBeNull();
  });

  it('ready recovers after a hung database', async () => {
    await proxy.blackhole();

    // The first check may still pick a pooled connection that the proxy has just closed, and
    // fail on that at once. The checks after it open new connections, which hang.
    const first = await timedGet(`${server.adminUrl}/health/ready`);
    expect(first.status).toBe(503);
    expect(first.ms).toBeLessThan(1000);
    for (const base of [server.adminUrl, server.publicUrl]) {
      const ready = await timedGet(`${base}/health/ready`);
      expect(ready.status).toBe(503);
      expect(ready.body).toEqual({
        errors: { database: expect.stringMatching(/did not answer within \d+ ms/) },
      });
      expect(ready.ms).toBeLessThan(1000);
    }

    await proxy.restore();
    await waitUntilReady();
    expect((await fetch(`${server.adminUrl}/identities`)).status).toBe(200);
  });

  it('logs each change of readiness once, without connection details', () => {
    const logs = server.logs.join('\n');
    const failures = server.logs.filter((line) => line.includes('The database check failed'));
    expect(failures).toHaveLength(2);
    expect(
      server.logs.filter((line) => line.includes('The database check succeeded again')),
    ).toHaveLength(2);
    expect(logs).not.toContain(database.dsn);
    // A lost pooled connection is logged by its message, not with the client's settings.
    expect(logs).toContain('PostgreSQL connection lost');
    expect(logs).not.toMatch(/secretKey|processID|"user"/);
  });
});
