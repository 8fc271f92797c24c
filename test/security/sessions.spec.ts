import { createHmac, randomBytes, randomUUID } from 'node:crypto';

import { BrowserClient, type TestResponse } from '../support/browser-client.js';
import { databaseKinds } from '../support/databases.js';
import { login, register, startFlow, submitPasswordForm, whoami } from '../support/flows.js';
import {
  dropTestDatabases,
  startGatehouse,
  TEST_ENV,
  type TestServer,
} from '../support/gatehouse.js';

const PASSWORD = 'fixation is not an option';
const COOKIE = 'ory_kratos_session';

function sessionCookieLine(response: TestResponse): string {
  // A response may clear a stale cookie before it sets the new one; the last line wins.
  const lines = response.headers.getSetCookie().filter((line) => line.startsWith(`${COOKIE}=`));

  return lines.at(-1) ?? '';
}

function valueOf(line: string): string {
  return decodeURIComponent(line.slice(COOKIE.length + 1).split(';')[0]);
}

function sign(value: string, secret: string): string {
  const signature = createHmac('sha256', secret).update(value).digest('base64').replace(/=+$/, '');

  return `s:${value}.${signature}`;
}

async function whoamiWith(server: TestServer, cookieValue: string): Promise<number> {
  const response = await fetch(`${server.publicUrl}/sessions/whoami`, {
    headers: { cookie: `${COOKIE}=${encodeURIComponent(cookieValue)}`, accept: 'application/json' },
  });
  const body = (await response.json()) as { error?: { code: number } };
  if (response.status !== 200) {
    expect(body.error?.code).toBe(response.status);
  }

  return response.status;
}

describe.each(databaseKinds())('session security on %s', (database) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startGatehouse({
      database,
      config: { session: { cookie: { same_site: 'strict', secure: 'always' } } },
    });
  });

  afterAll(async () => {
    await server.stop();
    await dropTestDatabases();
  });

  it('issues a new token at login, whatever cookie the browser had before', async () => {
    const email = `${randomUUID()}@example.com`;
    await register(new BrowserClient(), server, email, PASSWORD);
    // An attacker plants a token of their choosing, correctly signed or not.
    const planted = randomBytes(32).toString('base64url');
    for (const cookie of [planted, sign(planted, TEST_ENV.SECRETS_SESSION)]) {
      const browser = new BrowserClient();
      const id = await startFlow(browser, server, 'login');
      // Planted after the flow started, so that nothing before the submission clears it.
      await browser.jar.setCookie(
        `${COOKIE}=${encodeURIComponent(cookie)}; Path=/`,
        server.publicUrl,
      );
      const response = await submitPasswordForm(browser, server, 'login', id, {
        identifier: email,
        password: PASSWORD,
      });
      expect(response.status).toBe(302);
      const issued = valueOf(sessionCookieLine(response));
      expect(issued).not.toBe('');
      expect(issued).not.toContain(planted);
      expect(await whoamiWith(server, issued)).toBe(200);
      expect(await whoamiWith(server, cookie)).toBe(401);
    }
  });

  it('gives every login of the same identity its own token', async () => {
    const email = `${randomUUID()}@example.com`;
    const first = valueOf(
      sessionCookieLine(await register(new BrowserClient(), server, email, PASSWORD)),
    );
    const second = valueOf(
      sessionCookieLine(await login(new BrowserClient(), server, email, PASSWORD)),
    );
    expect(first).not.toBe(second);
  });

  it('sets the session cookie HttpOnly, with the configured SameSite and Secure', async () => {
    const response = await register(
      new BrowserClient(),
      server,
      `${randomUUID()}@example.com`,
      PASSWORD,
    );
    const attributes = sessionCookieLine(response).split('; ').slice(1);
    expect(attributes).toEqual(expect.arrayContaining(['HttpOnly', 'SameSite=Strict', 'Secure']));
    const csrf =
      response.headers.getSetCookie().find((line) => line.startsWith('csrf_token=')) ?? '';
    const started = await new BrowserClient().get(
      `${server.publicUrl}/self-service/browser/flows/login`,
    );
    const csrfLine =
      csrf || (started.headers.getSetCookie().find((line) => line.startsWith('csrf_token=')) ?? '');
    expect(csrfLine.split('; ').slice(1)).toEqual(
      expect.arrayContaining(['HttpOnly', 'SameSite=Strict', 'Secure']),
    );
  });

  it('answers 401 for a revoked session cookie', async () => {
    const browser = new BrowserClient();
    const response = await register(browser, server, `${randomUUID()}@example.com`, PASSWORD);
    const cookie = valueOf(sessionCookieLine(response));
    expect(await whoamiWith(server, cookie)).toBe(200);
    await browser.get(`${server.publicUrl}/self-service/browser/flows/logout`);
    expect(await whoamiWith(server, cookie)).toBe(401);
  });

  it('answers 401 for forged cookies', async () => {
    const response = await register(
      new BrowserClient(),
      server,
      `${randomUUID()}@example.com`,
      PASSWORD,
    );
    const real = valueOf(sessionCookieLine(response));
    const token = real.slice(2, real.lastIndexOf('.'));
    const forged = [
      token, // unsigned
      sign(token, 'a guessed secret'),
      sign(randomBytes(32).toString('base64url'), TEST_ENV.SECRETS_SESSION),
      `${real.slice(0, -2)}AA`,
      `s:${token}.`,
      `j:${JSON.stringify({ token })}`,
      `${real}${real}`,
      'x'.repeat(4000),
    ];
    for (const cookie of forged) {
      expect(await whoamiWith(server, cookie)).toBe(401);
    }
    expect(await whoamiWith(server, real)).toBe(200);
  });
});

describe('expired sessions', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startGatehouse({ config: { ttl: { session: '1s' } } });
  });

  afterAll(async () => {
    await server.stop();
    await dropTestDatabases();
  });

  it('answer 401 once the session lifespan has passed', async () => {
    const browser = new BrowserClient();
    const response = await register(browser, server, `${randomUUID()}@example.com`, PASSWORD);
    const cookie = valueOf(sessionCookieLine(response));
    expect(await whoamiWith(server, cookie)).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1300));
    expect(await whoamiWith(server, cookie)).toBe(401);
    expect((await whoami(browser, server)).status).toBe(401);
  });
});

describe('SameSite=None cookies over http', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startGatehouse({
      config: { session: { cookie: { same_site: 'none', secure: 'auto' } } },
    });
  });

  afterAll(async () => {
    await server.stop();
    await dropTestDatabases();
  });

  it('are marked Secure anyway', async () => {
    const response = await fetch(`${server.publicUrl}/self-service/browser/flows/registration`, {
      redirect: 'manual',
    });
    const csrfLine = response.headers.getSetCookie().find((line) => line.startsWith('csrf_token='));
    expect(csrfLine).toMatch(/; SameSite=None/);
    expect(csrfLine).toMatch(/; Secure/);
  });
});
