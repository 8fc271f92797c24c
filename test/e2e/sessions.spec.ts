import { createHmac, randomUUID } from 'node:crypto';

import { BrowserClient, type TestResponse } from '../support/browser-client.js';
import { databaseKinds } from '../support/databases.js';
import {
  csrfTokenOf,
  fetchFlow,
  login,
  passwordForm,
  register,
  startFlow,
  whoami,
} from '../support/flows.js';
import {
  dropTestDatabases,
  startGatehouse,
  TEST_ENV,
  type TestServer,
} from '../support/gatehouse.js';

const PASSWORD = 'session keeper 2000';
const SESSION_COOKIE = 'ory_kratos_session';

function setCookieLine(response: TestResponse, name: string): string | undefined {
  return response.headers.getSetCookie().find((line) => line.startsWith(`${name}=`));
}

/** Signs a cookie value the way cookie-parser checks it. */
function signCookie(value: string, secret: string): string {
  const signature = createHmac('sha256', secret).update(value).digest('base64').replace(/=+$/, '');

  return `s:${value}.${signature}`;
}

async function whoamiWithCookie(server: TestServer, cookie: string): Promise<Response> {
  return fetch(`${server.publicUrl}/sessions/whoami`, {
    headers: { cookie: `${SESSION_COOKIE}=${encodeURIComponent(cookie)}` },
  });
}

describe.each(databaseKinds())('sessions on %s', (database) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startGatehouse({ database });
  });

  afterAll(async () => {
    await server.stop();
    await dropTestDatabases();
  });

  async function signedIn(): Promise<{ browser: BrowserClient; response: TestResponse }> {
    const browser = new BrowserClient();
    const response = await register(browser, server, `${randomUUID()}@example.com`, PASSWORD);
    expect(response.status).toBe(302);

    return { browser, response };
  }

  describe('cookie', () => {
    it('has the expected attributes', async () => {
      const before = Date.now();
      const { response } = await signedIn();
      const line = setCookieLine(response, SESSION_COOKIE) ?? '';
      const attributes = line.split('; ').slice(1);

      expect(attributes).toContain('HttpOnly');
      expect(attributes).toContain('SameSite=Lax');
      expect(attributes).toContain('Path=/');
      expect(attributes).not.toContain('Secure');
      expect(attributes.some((attribute) => attribute.startsWith('Domain='))).toBe(false);
      const expires = Date.parse(
        attributes.find((attribute) => attribute.startsWith('Expires='))?.slice(8) ?? '',
      );
      expect(expires).toBeGreaterThan(before + 24 * 3600_000 - 5000);
      expect(expires).toBeLessThan(Date.now() + 24 * 3600_000 + 5000);
    });

    it('holds an opaque value, not the session id', async () => {
      const { browser } = await signedIn();
      const value = decodeURIComponent(
        (await browser.cookie(SESSION_COOKIE, server.publicUrl)) ?? '',
      );
      const session = (await whoami(browser, server)).json();

      expect(value).not.toContain(session.sid);
      expect(value).not.toContain(session.identity.id);
      expect(value).toMatch(/^s:[A-Za-z0-9_-]{43}\.[A-Za-z0-9+/]+$/);
    });
  });

  describe('whoami', () => {
    it('answers 401 without a cookie', async () => {
      const response = await fetch(`${server.publicUrl}/sessions/whoami`);
      const body = (await response.json()) as any;

      expect(response.status).toBe(401);
      expect(body.error).toMatchObject({
        code: 401,
        status: 'Unauthorized',
        reason: 'No valid session cookie found.',
        message: 'The request could not be authorized',
      });
    });

    it.each([
      ['garbage', 'not-a-session'],
      ['an unsigned token', 'A'.repeat(43)],
      ['a wrong signature', signCookie('A'.repeat(43), 'another-secret-0123456789')],
      ['an empty value', ''],
    ])('answers 401 and clears %s', async (_case, cookie) => {
      const response = await whoamiWithCookie(server, cookie);

      expect(response.status).toBe(401);
      expect(response.headers.getSetCookie().join('\n')).toMatch(
        /ory_kratos_session=;.*Expires=Thu, 01 Jan 1970/,
      );
    });

    it('answers 401 for a correctly signed unknown token', async () => {
      const forged = signCookie('B'.repeat(43), TEST_ENV.SECRETS_SESSION);
      const response = await whoamiWithCookie(server, forged);

      expect(response.status).toBe(401);
    });

    it('answers 401 for a tampered cookie', async () => {
      const { browser } = await signedIn();
      const value = decodeURIComponent(
        (await browser.cookie(SESSION_COOKIE, server.publicUrl)) ?? '',
      );
      const tampered = `${value.slice(0, 5)}${value[5] === 'A' ? 'B' : 'A'}${value.slice(6)}`;

      expect((await whoamiWithCookie(server, value)).status).toBe(200);
      expect((await whoamiWithCookie(server, tampered)).status).toBe(401);
    });

    it('answers 401 once the identity is deleted', async () => {
      const { browser } = await signedIn();
      const identity = (await whoami(browser, server)).json().identity;
      const deleted = await fetch(`${server.adminUrl}/identities/${identity.id}`, {
        method: 'DELETE',
      });

      expect(deleted.status).toBe(204);
      expect((await whoami(browser, server)).status).toBe(401);
    });
  });

  describe('logout', () => {
    it('revokes the session on the server', async () => {
      const { browser } = await signedIn();
      const cookie = decodeURIComponent(
        (await browser.cookie(SESSION_COOKIE, server.publicUrl)) ?? '',
      );
      expect((await whoamiWithCookie(server, cookie)).status).toBe(200);

      const response = await browser.get(`${server.publicUrl}/self-service/browser/flows/logout`);

      expect(response.status).toBe(302);
      expect(response.location).toBe(`${server.publicUrl}/ui/`);
      expect(setCookieLine(response, SESSION_COOKIE)).toMatch(/Expires=Thu, 01 Jan 1970/);
      expect((await whoami(browser, server)).status).toBe(401);
      expect((await whoamiWithCookie(server, cookie)).status).toBe(401);
    });

    it('renews the CSRF cookie', async () => {
      const browser = new BrowserClient();
      const form = await passwordForm(server, 'login', await startFlow(browser, server, 'login'));
      await register(browser, server, `${randomUUID()}@example.com`, PASSWORD);
      const before = await browser.cookie('csrf_token', server.publicUrl);
      await browser.get(`${server.publicUrl}/self-service/browser/flows/logout`);
      const response = await browser.post(form.action, {
        csrf_token: csrfTokenOf(form),
        identifier: 'x@example.com',
        password: PASSWORD,
      });

      expect(await browser.cookie('csrf_token', server.publicUrl)).not.toBe(before);
      expect(response.status).toBe(400);
    });

    it('leaves other sessions of the identity alone', async () => {
      const email = `${randomUUID()}@example.com`;
      const first = new BrowserClient();
      const second = new BrowserClient();
      await register(first, server, email, PASSWORD);
      await login(second, server, email, PASSWORD);
      await first.get(`${server.publicUrl}/self-service/browser/flows/logout`);

      expect((await whoami(first, server)).status).toBe(401);
      expect((await whoami(second, server)).status).toBe(200);
    });

    it('redirects without a session', async () => {
      const response = await new BrowserClient().get(
        `${server.publicUrl}/self-service/browser/flows/logout`,
      );

      expect(response.status).toBe(302);
      expect(response.location).toBe(`${server.publicUrl}/ui/`);
    });

    it('lets the browser sign in again', async () => {
      const browser = new BrowserClient();
      const email = `${randomUUID()}@example.com`;
      await register(browser, server, email, PASSWORD);
      await browser.get(`${server.publicUrl}/self-service/browser/flows/logout`);
      const response = await login(browser, server, email, PASSWORD);

      expect(response.location).toBe(`${server.publicUrl}/ui/`);
      expect((await whoami(browser, server)).status).toBe(200);
    });
  });

  it('clears a revoked cookie when a flow starts', async () => {
    const { browser } = await signedIn();
    const cookie = decodeURIComponent(
      (await browser.cookie(SESSION_COOKIE, server.publicUrl)) ?? '',
    );
    await browser.get(`${server.publicUrl}/self-service/browser/flows/logout`);
    const response = await fetch(`${server.publicUrl}/self-service/browser/flows/login`, {
      headers: { cookie: `${SESSION_COOKIE}=${encodeURIComponent(cookie)}` },
      redirect: 'manual',
    });

    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toMatch(/\/ui\/login\?request=/);
    expect(response.headers.getSetCookie().join('\n')).toMatch(/ory_kratos_session=;/);
  });
});

describe('Secure cookies', () => {
  afterAll(async () => {
    await dropTestDatabases();
  });

  /** Registers through a server whose public URL may differ from where it listens. */
  async function registerAt(server: TestServer, headers: Record<string, string> = {}) {
    const browser = new BrowserClient();
    const started = await browser.get(
      `${server.publicUrl}/self-service/browser/flows/registration`,
      headers,
    );
    const id = new URL(started.location ?? '').searchParams.get('request') ?? '';
    const form = (await fetchFlow(server, 'registration', id)).methods.password.config;
    const action = new URL(form.action);
    const response = await browser.request(
      `${server.publicUrl}${action.pathname}${action.search}`,
      {
        form: {
          csrf_token: csrfTokenOf(form),
          'traits.email': `${randomUUID()}@example.com`,
          password: PASSWORD,
        },
        headers,
      },
    );

    return { started, response };
  }

  it('are Secure when the public URL is https', async () => {
    const server = await startGatehouse({ env: { URLS_SELF_PUBLIC: 'https://id.example.com/' } });
    try {
      const { started, response } = await registerAt(server);

      expect(started.location).toMatch(/^https:\/\/id\.example\.com\/ui\/registration\?request=/);
      expect(setCookieLine(started, 'csrf_token')).toMatch(/; Secure/);
      expect(response.status).toBe(302);
      expect(response.location).toBe('https://id.example.com/ui/');
      expect(setCookieLine(response, SESSION_COOKIE)).toMatch(/; Secure/);
    } finally {
      await server.stop();
    }
  });

  it('follow X-Forwarded-Proto from a trusted proxy', async () => {
    const server = await startGatehouse({ env: { SERVE_PUBLIC_TRUSTED_PROXIES: 'loopback' } });
    try {
      const overHttps = await registerAt(server, { 'x-forwarded-proto': 'https' });
      const overHttp = await registerAt(server);

      expect(setCookieLine(overHttps.started, 'csrf_token')).toMatch(/; Secure/);
      expect(setCookieLine(overHttps.response, SESSION_COOKIE)).toMatch(/; Secure/);
      expect(setCookieLine(overHttp.response, SESSION_COOKIE)).not.toMatch(/; Secure/);
    } finally {
      await server.stop();
    }
  });

  it('ignore X-Forwarded-Proto without trusted proxies', async () => {
    const server = await startGatehouse();
    try {
      const { response } = await registerAt(server, { 'x-forwarded-proto': 'https' });

      expect(response.status).toBe(302);
      expect(setCookieLine(response, SESSION_COOKIE)).not.toMatch(/; Secure/);
    } finally {
      await server.stop();
    }
  });
});

describe('session secrets', () => {
  afterAll(async () => {
    await dropTestDatabases();
  });

  it('accept cookies signed with an older secret', async () => {
    const oldSecret = 'old-secret-0123456789abcdef';
    const newSecret = 'new-secret-0123456789abcdef';
    const first = await startGatehouse({ env: { SECRETS_SESSION: oldSecret } });
    const browser = new BrowserClient();
    await register(browser, first, `${randomUUID()}@example.com`, PASSWORD);
    const cookie = decodeURIComponent(
      (await browser.cookie(SESSION_COOKIE, first.publicUrl)) ?? '',
    );
    const dsn = first.dsn;
    // Stop the process but keep its SQLite file until the end: stop() removes its directory.
    const exited = new Promise((resolve) => first.process.once('exit', resolve));
    first.process.kill('SIGTERM');
    await exited;

    const rotated = await startGatehouse({
      dsn,
      env: { SECRETS_SESSION: `${newSecret},${oldSecret}` },
    });
    const replaced = await startGatehouse({ dsn, env: { SECRETS_SESSION: newSecret } });
    try {
      expect((await whoamiWithCookie(rotated, cookie)).status).toBe(200);
      expect((await whoamiWithCookie(replaced, cookie)).status).toBe(401);
    } finally {
      await rotated.stop();
      await replaced.stop();
      await first.stop();
    }
  });
});
