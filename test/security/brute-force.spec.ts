import { BrowserClient, type TestResponse } from '../support/browser-client.js';
import { databaseKinds } from '../support/databases.js';
import { csrfTokenOf, passwordForm, register, startFlow } from '../support/flows.js';
import { dropTestDatabases, startGatehouse, type TestServer } from '../support/gatehouse.js';

const PASSWORD = 'correct horse battery staple';

function throttleConfig(perIdentifier: number, perAddress: number, trustedProxies: string[] = []) {
  return {
    serve: { public: { trusted_proxies: trustedProxies } },
    security: {
      login_throttle: {
        enabled: true,
        max_failures_per_identifier: perIdentifier,
        max_failures_per_address: perAddress,
        window: '1m',
      },
    },
  };
}

/** Submits a login as a JSON client, so that a throttled attempt answers 429 itself. */
async function jsonLogin(
  server: TestServer,
  identifier: string,
  password: string,
  headers: Record<string, string> = {},
): Promise<TestResponse> {
  const browser = new BrowserClient();
  const id = await startFlow(browser, server, 'login');
  const form = await passwordForm(server, 'login', id);

  return browser.request(form.action, {
    json: { csrf_token: csrfTokenOf(form), identifier, password },
    headers: { accept: 'application/json', ...headers },
  });
}

function expectThrottled(response: TestResponse): void {
  expect(response.status).toBe(429);
  const retryAfter = Number(response.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(response.json().error).toMatchObject({ code: 429, status: 'Too Many Requests' });
}

describe.each(databaseKinds())('brute force on %s', (database) => {
  afterAll(async () => {
    await dropTestDatabases();
  });

  describe('without a trusted proxy', () => {
    let server: TestServer;

    beforeAll(async () => {
      server = await startGatehouse({ database, config: throttleConfig(3, 6) });
      await register(new BrowserClient(), server, 'victim@example.com', PASSWORD);
    });

    afterAll(async () => {
      await server.stop();
    });

    it('throttles an identifier after its failures, even with the right password', async () => {
      for (let attempt = 0; attempt < 3; attempt += 1) {
        expect((await jsonLogin(server, 'victim@example.com', `guess ${attempt}`)).status).toBe(
          400,
        );
      }
      expectThrottled(await jsonLogin(server, 'VICTIM@example.com', PASSWORD));
    });

    it('throttles a client address over many identifiers and ignores X-Forwarded-For', async () => {
      // The previous case spent four attempts of this address's six.
      const statuses: number[] = [];
      for (let attempt = 0; attempt < 4; attempt += 1) {
        const response = await jsonLogin(server, `nobody${attempt}@example.com`, 'guess', {
          'x-forwarded-for': `198.51.100.${attempt + 1}`,
        });
        statuses.push(response.status);
        if (response.status === 429) {
          expectThrottled(response);
        }
      }
      expect(statuses).toEqual([400, 400, 429, 429]);
    });
  });

  describe('behind a trusted proxy', () => {
    let server: TestServer;

    beforeAll(async () => {
      server = await startGatehouse({ database, config: throttleConfig(3, 3, ['127.0.0.1']) });
      await register(new BrowserClient(), server, 'proxied@example.com', PASSWORD);
    });

    afterAll(async () => {
      await server.stop();
    });

    it('counts each forwarded client address on its own', async () => {
      const from = (address: string) => ({ 'x-forwarded-for': address });
      for (let attempt = 0; attempt < 3; attempt += 1) {
        const response = await jsonLogin(
          server,
          `a${attempt}@example.com`,
          'x',
          from('203.0.113.1'),
        );
        expect(response.status).toBe(400);
      }
      expectThrottled(await jsonLogin(server, 'a9@example.com', 'x', from('203.0.113.1')));
      expect((await jsonLogin(server, 'a9@example.com', 'x', from('203.0.113.2'))).status).toBe(
        400,
      );
    });

    it('forgets the failures of an identifier after a successful login', async () => {
      const from = { 'x-forwarded-for': '203.0.113.50' };
      const other = { 'x-forwarded-for': '203.0.113.51' };
      expect((await jsonLogin(server, 'proxied@example.com', 'wrong 1', from)).status).toBe(400);
      expect((await jsonLogin(server, 'proxied@example.com', 'wrong 2', other)).status).toBe(400);
      expect((await jsonLogin(server, 'proxied@example.com', PASSWORD, from)).status).toBe(302);
      expect((await jsonLogin(server, 'proxied@example.com', 'wrong 3', other)).status).toBe(400);
      expect((await jsonLogin(server, 'proxied@example.com', 'wrong 4', from)).status).toBe(400);
      expect((await jsonLogin(server, 'proxied@example.com', PASSWORD, other)).status).toBe(302);
    });
  });
});

const postgresql = databaseKinds().includes('postgresql') ? describe : describe.skip;

postgresql('brute force over two replicas on one PostgreSQL database', () => {
  let first: TestServer;
  let second: TestServer;

  beforeAll(async () => {
    first = await startGatehouse({ database: 'postgresql', config: throttleConfig(4, 100) });
    second = await startGatehouse({ dsn: first.dsn, config: throttleConfig(4, 100) });
    await register(new BrowserClient(), first, 'shared@example.com', PASSWORD);
  });

  afterAll(async () => {
    await second?.stop();
    await first?.stop();
    await dropTestDatabases();
  });

  it('shares the limit between the replicas', async () => {
    for (const server of [first, second, first, second]) {
      expect((await jsonLogin(server, 'shared@example.com', 'guess')).status).toBe(400);
    }
    expectThrottled(await jsonLogin(second, 'shared@example.com', PASSWORD));
    expectThrottled(await jsonLogin(first, 'shared@example.com', PASSWORD));
  });
});
