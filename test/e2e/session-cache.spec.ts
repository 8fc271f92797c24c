import { randomUUID } from 'node:crypto';

import { admin } from '../support/admin.js';
import { BrowserClient } from '../support/browser-client.js';
import { databaseKinds } from '../support/databases.js';
import { register } from '../support/flows.js';
import { dropTestDatabases, startGatehouse, type TestServer } from '../support/gatehouse.js';

// whoami answers from a per-process cache for up to 0.5 s (src/session/session-cache.ts).
// These tests prove that it never hides a logout, an update or a deletion: at once on the
// replica that made the change, and within 1 s on another replica sharing the database.

const PASSWORD = 'cache buster 4711';
const SESSION_COOKIE = 'ory_kratos_session';
const REPLICA_WINDOW_MS = 1000;

async function signIn(server: TestServer): Promise<{ browser: BrowserClient; cookie: string }> {
  const browser = new BrowserClient();
  const response = await register(browser, server, `${randomUUID()}@example.com`, PASSWORD);
  expect(response.status).toBe(302);
  const value = await browser.cookie(SESSION_COOKIE, server.publicUrl);

  return { browser, cookie: `${SESSION_COOKIE}=${value}` };
}

function whoami(server: TestServer, cookie: string): Promise<Response> {
  return fetch(`${server.publicUrl}/sessions/whoami`, {
    headers: { cookie, accept: 'application/json' },
  });
}

/** Asks whoami a few times in a row, so that the session is surely in the cache. */
async function warm(server: TestServer, cookie: string): Promise<any> {
  let body: any;
  for (let i = 0; i < 3; i += 1) {
    const response = await whoami(server, cookie);
    expect(response.status).toBe(200);
    body = await response.json();
  }

  return body;
}

/** Polls whoami until it answers 401; returns how long that took. */
async function msUntilUnauthorized(server: TestServer, cookie: string): Promise<number> {
  const started = Date.now();
  for (;;) {
    const response = await whoami(server, cookie);
    await response.arrayBuffer();
    if (response.status === 401) {
      return Date.now() - started;
    }
    expect(response.status).toBe(200);
    if (Date.now() - started > 3 * REPLICA_WINDOW_MS) {
      return Date.now() - started;
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function logout(browser: BrowserClient, server: TestServer): Promise<void> {
  const response = await browser.get(`${server.publicUrl}/self-service/browser/flows/logout`);
  expect(response.status).toBe(302);
}

describe.each(databaseKinds())('whoami cache on one %s replica', (database) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startGatehouse({ database });
  });

  afterAll(async () => {
    await server.stop();
    await dropTestDatabases();
  });

  it('sees a logout at once', async () => {
    const { browser, cookie } = await signIn(server);
    await warm(server, cookie);

    await logout(browser, server);

    expect((await whoami(server, cookie)).status).toBe(401);
  });

  it('sees an admin deletion at once', async () => {
    const { cookie } = await signIn(server);
    const body = await warm(server, cookie);

    expect((await admin(server, 'DELETE', `/identities/${body.identity.id}`)).status).toBe(204);

    expect((await whoami(server, cookie)).status).toBe(401);
  });

  it('sees changed traits at once', async () => {
    const { cookie } = await signIn(server);
    const body = await warm(server, cookie);
    const email = `${randomUUID()}@example.com`;

    const updated = await admin(server, 'PUT', `/identities/${body.identity.id}`, {
      json: { ...body.identity, traits: { email } },
    });
    expect(updated.status).toBe(200);

    const response = await whoami(server, cookie);
    expect(response.status).toBe(200);
    expect(((await response.json()) as any).identity.traits).toEqual({ email });
  });
});

const replicated = databaseKinds().includes('postgresql') ? describe : describe.skip;

replicated('whoami cache on two replicas of one PostgreSQL database', () => {
  let first: TestServer;
  let second: TestServer;

  beforeAll(async () => {
    first = await startGatehouse({ database: 'postgresql' });
    second = await startGatehouse({ dsn: first.dsn });
  });

  afterAll(async () => {
    await second?.stop();
    await first?.stop();
    await dropTestDatabases();
  });

  it('sees a logout on the other replica within 1 s', async () => {
    const { browser, cookie } = await signIn(first);
    await warm(first, cookie);
    await warm(second, cookie);

    await logout(browser, first);

    expect((await whoami(first, cookie)).status).toBe(401);
    expect(await msUntilUnauthorized(second, cookie)).toBeLessThanOrEqual(REPLICA_WINDOW_MS);
  });

  it('sees an admin deletion on the other replica within 1 s', async () => {
    const { cookie } = await signIn(first);
    const body = await warm(first, cookie);
    await warm(second, cookie);

    expect((await admin(first, 'DELETE', `/identities/${body.identity.id}`)).status).toBe(204);

    expect((await whoami(first, cookie)).status).toBe(401);
    expect(await msUntilUnauthorized(second, cookie)).toBeLessThanOrEqual(REPLICA_WINDOW_MS);
  });
});
