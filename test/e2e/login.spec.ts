import { randomUUID } from 'node:crypto';

import { BrowserClient } from '../support/browser-client.js';
import { databaseKinds } from '../support/databases.js';
import {
  csrfTokenOf,
  errorIdOf,
  fetchErrorAdmin,
  fetchFlow,
  fieldOf,
  login,
  passwordForm,
  register,
  startFlow,
  submitPasswordForm,
  whoami,
} from '../support/flows.js';
import { dropTestDatabases, startGatehouse, type TestServer } from '../support/gatehouse.js';

const EMAIL = 'Margaret@Example.com';
const PASSWORD = 'apollo guidance computer';
const INVALID_CREDENTIALS =
  'The provided credentials are invalid. Check for spelling mistakes in your password or username, email address, or phone number.';

describe.each(databaseKinds())('login on %s', (database) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startGatehouse({ database });
    const registered = await register(new BrowserClient(), server, EMAIL, PASSWORD);
    expect(registered.location).toBe(`${server.publicUrl}/ui/`);
  });

  afterAll(async () => {
    await server.stop();
    await dropTestDatabases();
  });

  const submitUrl = (id: string) =>
    `${server.publicUrl}/self-service/browser/flows/login/strategies/password?request=${id}`;

  function sessionCookieOf(response: { headers: Headers }): string | undefined {
    return response.headers.getSetCookie().find((line) => line.startsWith('ory_kratos_session='));
  }

  describe('success', () => {
    it('signs in with a url-encoded form', async () => {
      const browser = new BrowserClient();
      const response = await login(browser, server, EMAIL, PASSWORD);

      expect(response.status).toBe(302);
      expect(response.location).toBe(`${server.publicUrl}/ui/`);
      expect(sessionCookieOf(response)).toBeDefined();
      const session = await whoami(browser, server);
      expect(session.status).toBe(200);
      expect(session.json().identity.traits).toEqual({ email: EMAIL });
    });

    it('matches the identifier case-insensitively', async () => {
      const browser = new BrowserClient();
      const response = await login(browser, server, '  MARGARET@example.COM ', PASSWORD);

      expect(response.location).toBe(`${server.publicUrl}/ui/`);
      expect((await whoami(browser, server)).status).toBe(200);
    });

    it('signs in with a JSON body', async () => {
      const browser = new BrowserClient();
      const id = await startFlow(browser, server, 'login');
      const form = await passwordForm(server, 'login', id);
      const response = await browser.request(form.action, {
        json: { csrf_token: csrfTokenOf(form), identifier: EMAIL, password: PASSWORD },
      });

      expect(response.status).toBe(302);
      expect((await whoami(browser, server)).status).toBe(200);
    });

    it('gives each browser its own session', async () => {
      const first = new BrowserClient();
      const second = new BrowserClient();
      await login(first, server, EMAIL, PASSWORD);
      await login(second, server, EMAIL, PASSWORD);
      const sessions = [
        (await whoami(first, server)).json(),
        (await whoami(second, server)).json(),
      ];

      expect(sessions[0].sid).not.toBe(sessions[1].sid);
      expect(sessions[0].identity.id).toBe(sessions[1].identity.id);
    });

    it('returns the reference session object', async () => {
      const browser = new BrowserClient();
      const before = Date.now();
      await login(browser, server, EMAIL, PASSWORD);
      const response = await whoami(browser, server);
      const session = response.json();

      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(Object.keys(session).sort()).toEqual([
        'authenticated_at',
        'expires_at',
        'identity',
        'issued_at',
        'sid',
      ]);
      expect(Date.parse(session.issued_at)).toBeGreaterThanOrEqual(before - 1000);
      expect(Date.parse(session.authenticated_at)).toBe(Date.parse(session.issued_at));
      expect(Date.parse(session.expires_at) - Date.parse(session.issued_at)).toBe(24 * 3600_000);
      expect(Object.keys(session.identity).sort()).toEqual([
        'id',
        'traits',
        'traits_schema_id',
        'traits_schema_url',
      ]);
    });
  });

  describe('failures', () => {
    async function failLogin(fields: Record<string, string>) {
      const browser = new BrowserClient();
      const id = await startFlow(browser, server, 'login');
      const response = await submitPasswordForm(browser, server, 'login', id, fields);

      expect(response.status).toBe(302);
      expect(response.location).toBe(`${server.publicUrl}/ui/login?request=${id}`);
      expect(sessionCookieOf(response)).toBeUndefined();
      expect((await whoami(browser, server)).status).toBe(401);

      return passwordForm(server, 'login', id);
    }

    it('rejects a wrong password', async () => {
      const form = await failLogin({ identifier: EMAIL, password: 'wrong password here' });

      expect(form.errors).toEqual([{ id: 'credentials_invalid', message: INVALID_CREDENTIALS }]);
      expect(fieldOf(form, 'identifier')?.value).toBe(EMAIL);
      expect(fieldOf(form, 'password')?.value).toBeUndefined();
    });

    it('rejects an unknown identifier the same way', async () => {
      const wrongPassword = await failLogin({ identifier: EMAIL, password: 'wrong password' });
      const unknown = await failLogin({ identifier: 'nobody@example.com', password: PASSWORD });
      const shape = (form: typeof unknown) =>
        form.fields.map(({ name, type, required, errors }) => ({ name, type, required, errors }));

      expect(unknown.errors).toEqual(wrongPassword.errors);
      expect(shape(unknown)).toEqual(shape(wrongPassword));
    });

    it('rejects an identity without a password', async () => {
      const created = await fetch(`${server.adminUrl}/identities`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ traits: { email: 'admin-made@example.com' } }),
      });
      expect(created.status).toBe(201);
      const form = await failLogin({ identifier: 'admin-made@example.com', password: PASSWORD });

      expect(form.errors?.map((error) => error.id)).toEqual(['credentials_invalid']);
    });

    it('requires the identifier', async () => {
      const form = await failLogin({ password: PASSWORD });

      expect(fieldOf(form, 'identifier')?.errors).toEqual([
        { id: 'field_required', message: 'identifier: identifier is required' },
      ]);
      expect(form.errors).toBeUndefined();
    });

    it('requires the password', async () => {
      const form = await failLogin({ identifier: EMAIL });

      expect(fieldOf(form, 'password')?.errors).toEqual([
        { id: 'field_required', message: 'password: password is required' },
      ]);
      expect(fieldOf(form, 'identifier')?.value).toBe(EMAIL);
    });

    it('clears errors of the previous attempt', async () => {
      const browser = new BrowserClient();
      const id = await startFlow(browser, server, 'login');
      await submitPasswordForm(browser, server, 'login', id, { password: PASSWORD });
      await submitPasswordForm(browser, server, 'login', id, {
        identifier: EMAIL,
        password: 'wrong again',
      });
      const form = await passwordForm(server, 'login', id);

      expect(fieldOf(form, 'identifier')?.errors).toBeUndefined();
      expect(form.errors?.map((error) => error.id)).toEqual(['credentials_invalid']);
    });

    it('answers JSON clients with the error envelope', async () => {
      const browser = new BrowserClient();
      const id = await startFlow(browser, server, 'login');
      const before = await fetchFlow(server, 'login', id);
      const form = before.methods.password.config;
      const response = await browser.request(form.action, {
        json: { csrf_token: csrfTokenOf(form), identifier: EMAIL, password: 'nope nope' },
        headers: { accept: 'application/json' },
      });

      expect(response.status).toBe(400);
      expect(response.json().error).toMatchObject({ code: 400, reason: INVALID_CREDENTIALS });
      expect(sessionCookieOf(response)).toBeUndefined();
      expect(await fetchFlow(server, 'login', id)).toEqual(before);
    });

    it('rejects a missing CSRF token and changes nothing', async () => {
      const browser = new BrowserClient();
      const id = await startFlow(browser, server, 'login');
      const before = await fetchFlow(server, 'login', id);
      const response = await browser.post(submitUrl(id), { identifier: EMAIL, password: PASSWORD });

      expect(response.status).toBe(400);
      expect(response.json().error.reason).toBe('CSRF token is missing or invalid.');
      expect(sessionCookieOf(response)).toBeUndefined();
      expect(await fetchFlow(server, 'login', id)).toEqual(before);
    });

    it('rejects a wrong CSRF token and changes nothing', async () => {
      const browser = new BrowserClient();
      const id = await startFlow(browser, server, 'login');
      const before = await fetchFlow(server, 'login', id);
      const response = await browser.post(submitUrl(id), {
        csrf_token: `${csrfTokenOf(before.methods.password.config)}x`,
        identifier: EMAIL,
        password: PASSWORD,
      });

      expect(response.status).toBe(400);
      expect(sessionCookieOf(response)).toBeUndefined();
      expect((await whoami(browser, server)).status).toBe(401);
      expect(await fetchFlow(server, 'login', id)).toEqual(before);
    });

    it('sends an unknown request to the error page', async () => {
      const browser = new BrowserClient();
      const form = await passwordForm(server, 'login', await startFlow(browser, server, 'login'));
      const response = await browser.post(submitUrl(randomUUID()), {
        csrf_token: csrfTokenOf(form),
        identifier: EMAIL,
        password: PASSWORD,
      });

      expect(response.status).toBe(302);
      expect(sessionCookieOf(response)).toBeUndefined();
      const stored = (await (
        await fetchErrorAdmin(server, errorIdOf(response.location))
      ).json()) as any;
      expect(stored.errors[0]).toMatchObject({
        code: 404,
        message: 'Unable to locate the resource',
      });
    });

    it('rejects invalid JSON with 400', async () => {
      const browser = new BrowserClient();
      const id = await startFlow(browser, server, 'login');
      const form = await passwordForm(server, 'login', id);
      const response = await browser.request(submitUrl(id), {
        body: '{"identifier": ',
        headers: { 'content-type': 'application/json', 'x-csrf-token': csrfTokenOf(form) },
      });

      expect(response.status).toBe(400);
      expect(response.json().error.reason).toBe('The request body is not valid JSON.');
    });

    it('handles an identifier too long to store', async () => {
      const form = await failLogin({
        identifier: `${'a'.repeat(5000)}@example.com`,
        password: PASSWORD,
      });

      expect(form.errors?.map((error) => error.id)).toEqual(['credentials_invalid']);
    });
  });
});

describe('login timing', () => {
  let server: TestServer;

  beforeAll(async () => {
    // Real argon2 settings make hashing the dominant cost, as in production.
    server = await startGatehouse({
      env: { HASHERS_ARGON2_MEMORY: '65536', HASHERS_ARGON2_ITERATIONS: '3' },
    });
    await register(new BrowserClient(), server, 'timing@example.com', PASSWORD);
  });

  afterAll(async () => {
    await server.stop();
    await dropTestDatabases();
  });

  async function medianLoginTime(identifier: string): Promise<number> {
    const times: number[] = [];
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const browser = new BrowserClient();
      const id = await startFlow(browser, server, 'login');
      const form = await passwordForm(server, 'login', id);
      const started = performance.now();
      await browser.post(form.action, {
        csrf_token: csrfTokenOf(form),
        identifier,
        password: `wrong password ${attempt}`,
      });
      times.push(performance.now() - started);
    }

    return times.sort((a, b) => a - b)[2];
  }

  it('spends hashing work on unknown identifiers', async () => {
    await medianLoginTime('warm-up@example.com');
    const known = await medianLoginTime('timing@example.com');
    const unknown = await medianLoginTime('unknown-timing@example.com');

    // Loose bounds: without the dummy verification an unknown identifier takes a few
    // milliseconds, while a real argon2id verification takes tens of milliseconds.
    expect(known).toBeGreaterThan(20);
    expect(unknown).toBeGreaterThan(known * 0.5);
  });
});
