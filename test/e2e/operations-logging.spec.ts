import { admin, call } from '../support/admin.js';
import { BrowserClient } from '../support/browser-client.js';
import { databaseKinds } from '../support/databases.js';
import {
  csrfTokenOf,
  login,
  passwordForm,
  register,
  startFlow,
  submitPasswordForm,
  whoami,
} from '../support/flows.js';
import {
  dropTestDatabases,
  freePort,
  startGatehouse,
  type TestServer,
} from '../support/gatehouse.js';

interface LogLine {
  level: string;
  time: string;
  msg: string;
  req?: { id?: string; method?: string; path?: string };
  [key: string]: unknown;
}

const EMAIL = 'Log.Person+Secret@Example.com';
const PASSWORD = 'correct horse battery staple 1987';
const NEW_EMAIL = 'Renamed.Person@Example.com';
const ADMIN_EMAIL = 'Operator.Made@Example.com';
const WRONG_PASSWORD = 'definitely-not-the-password-42';

describe.each(databaseKinds())('logs on %s', (database) => {
  let server: TestServer;
  const secrets = new Set<string>([EMAIL, PASSWORD, NEW_EMAIL, ADMIN_EMAIL, WRONG_PASSWORD]);

  /** Remembers every cookie value and CSRF token a client has seen, to look for them in the logs. */
  async function collectSecrets(client: BrowserClient): Promise<void> {
    for (const cookie of await client.jar.getCookies(server.publicUrl)) {
      const value = decodeURIComponent(cookie.value);
      secrets.add(value);
      // A signed cookie is s:<token>.<signature>; the token alone must not appear either.
      const token = /^s:(.+)\.[^.]+$/.exec(value)?.[1];
      if (token) {
        secrets.add(token);
      }
    }
  }

  beforeAll(async () => {
    // A schema on a closed local port makes requests that use it fail with a logged 500.
    const closedPort = await freePort();
    server = await startGatehouse({
      database,
      env: { LOG_LEVEL: 'trace' },
      config: {
        identity: {
          traits: {
            schemas: [{ id: 'remote', url: `http://127.0.0.1:${closedPort}/schema.json` }],
          },
        },
      },
    });

    // A full browser life cycle, with mistakes along the way.
    const browser = new BrowserClient();
    expect((await register(browser, server, EMAIL, PASSWORD)).status).toBe(302);
    await collectSecrets(browser);
    expect((await whoami(browser, server)).status).toBe(200);
    const identityId = (await whoami(browser, server)).json().identity.id as string;

    const stranger = new BrowserClient();
    const taken = await register(stranger, server, EMAIL.toLowerCase(), `${PASSWORD}!`);
    expect(taken.status).toBe(302);
    secrets.add(`${PASSWORD}!`);
    await collectSecrets(stranger);

    expect(
      (await browser.get(`${server.publicUrl}/self-service/browser/flows/logout`)).status,
    ).toBe(302);
    await login(browser, server, EMAIL, WRONG_PASSWORD);
    const flowId = await startFlow(
      browser,
      server,
      'login',
      `?return_to=${encodeURIComponent(`/welcome?email=${EMAIL}`)}`,
    );
    const form = await passwordForm(server, 'login', flowId);
    secrets.add(csrfTokenOf(form));
    // The built-in page shows the typed identifier back; rendering it must not log it.
    await submitPasswordForm(browser, server, 'login', flowId, {
      identifier: EMAIL,
      password: WRONG_PASSWORD,
    });
    await browser.get(`${server.publicUrl}/ui/login?request=${flowId}`);
    expect((await login(browser, server, EMAIL, PASSWORD)).status).toBe(302);
    await collectSecrets(browser);
    // A post without its CSRF token.
    await browser.post(`${form.action}`, { identifier: EMAIL, password: PASSWORD });

    // The admin API with traits that contain emails.
    const created = await admin(server, 'POST', '/identities', {
      json: { traits: { email: ADMIN_EMAIL } },
    });
    expect(created.status).toBe(201);
    expect(
      (
        await admin(server, 'PUT', `/identities/${identityId}`, {
          json: { traits: { email: NEW_EMAIL } },
        })
      ).status,
    ).toBe(200);
    expect(
      (await admin(server, 'POST', '/identities', { json: { traits: { email: NEW_EMAIL } } }))
        .status,
    ).toBe(409);
    expect(
      (
        await admin(server, 'POST', '/identities', {
          json: { traits: { email: 'not an email', password: PASSWORD } },
        })
      ).status,
    ).toBe(400);
    await admin(server, 'GET', '/identities');
    expect((await admin(server, 'DELETE', `/identities/${created.body.id}`)).status).toBe(204);
    expect((await whoami(browser, server)).status).toBe(200);
    await collectSecrets(browser);
  });

  afterAll(async () => {
    await server.stop();
    await dropTestDatabases();
  });

  const lines = () => server.logs.filter((line) => line.trim() !== '');

  it('writes every line as JSON with level, time and message', () => {
    for (const line of lines()) {
      let parsed: LogLine | undefined;
      try {
        parsed = JSON.parse(line) as LogLine;
      } catch {
        parsed = undefined;
      }
      expect({ line, json: parsed !== undefined }).toEqual({ line, json: true });
      expect(parsed).toEqual(
        expect.objectContaining({
          level: expect.any(String),
          time: expect.any(String),
          msg: expect.any(String),
        }),
      );
    }
  });

  it('never contains passwords, emails, cookies or tokens', () => {
    const text = lines().join('\n');
    const lowered = text.toLowerCase();
    expect(secrets.size).toBeGreaterThan(8);
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThanOrEqual(8);
      const variants = [secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)];
      for (const variant of variants) {
        expect({ secret: variant, logged: lowered.includes(variant.toLowerCase()) }).toEqual({
          secret: variant,
          logged: false,
        });
      }
    }
    // Nothing that looks like an email address at all, nor a cookie header.
    expect(text).not.toMatch(/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/);
    expect(lowered).not.toMatch(/set-cookie|"cookie"|ory_kratos_session=|csrf_token=/);
  });

  it('gives every request line its request id', () => {
    const requestLines = lines()
      .map((line) => JSON.parse(line) as LogLine)
      .filter((line) => line.req !== undefined);
    expect(requestLines.length).toBeGreaterThan(20);
    for (const line of requestLines) {
      expect(line.req?.id).toEqual(expect.stringMatching(/^[0-9a-f-]{36}$/));
    }
  });

  it('uses one request id in header, envelope and every line', async () => {
    const requestId = `log-test-${database}-1`;
    const response = await admin(server, 'POST', '/identities', {
      json: { traits: {}, traits_schema_id: 'remote' },
      headers: { 'x-request-id': requestId },
    });
    expect(response.status).toBe(500);
    expect(response.headers.get('x-request-id')).toBe(requestId);
    expect(response.body.error.request).toBe(requestId);
    expect(response.text).not.toMatch(/at .+\.js:\d+/);

    // Lines may arrive a moment after the response.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const own = lines()
      .map((line) => JSON.parse(line) as LogLine)
      .filter((line) => JSON.stringify(line).includes(requestId));
    expect(own.map((line) => line.msg).sort()).toEqual(['Request failed', 'request errored']);
    for (const line of own) {
      expect(line.req?.id).toBe(requestId);
    }
  });

  it('replaces request ids that are not safe to echo', async () => {
    for (const given of ['has spaces in it', 'x'.repeat(200), 'quote"and\\backslash']) {
      const response = await call(server.adminUrl, 'GET', '/health/alive', {
        headers: { 'x-request-id': given },
      });
      expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    }
    const generated = await call(server.adminUrl, 'GET', '/identities/unknown');
    expect(generated.body.error.request).toBe(generated.headers.get('x-request-id'));
    expect(generated.body.error.request).toMatch(/^[0-9a-f-]{36}$/);
  });
});
