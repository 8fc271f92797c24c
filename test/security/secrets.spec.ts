import { randomUUID } from 'node:crypto';

import { admin } from '../support/admin.js';
import {
  BrowserClient,
  type RequestOptions,
  type TestResponse,
} from '../support/browser-client.js';
import { databaseKinds } from '../support/databases.js';
import {
  csrfTokenOf,
  login,
  passwordForm,
  register,
  registerWith,
  startFlow,
  whoami,
} from '../support/flows.js';
import { dropTestDatabases, startGatehouse, type TestServer } from '../support/gatehouse.js';
import { profileForm, startProfile } from '../support/profile.js';

/** A browser that keeps every response it received. */
class RecordingClient extends BrowserClient {
  readonly responses: TestResponse[] = [];
  override async request(url: string, options?: RequestOptions): Promise<TestResponse> {
    const response = await super.request(url, options);
    this.responses.push(response);

    return response;
  }
}

function everything(response: TestResponse): string {
  return `${response.status}\n${[...response.headers].map(([name, value]) => `${name}: ${value}`).join('\n')}\n\n${response.body}`;
}

describe.each(databaseKinds())('secrets in responses and logs on %s', (database) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startGatehouse({ database, env: { LOG_LEVEL: 'debug' } });
  });

  afterAll(async () => {
    await server.stop();
    await dropTestDatabases();
  });

  it('never show a password, hash, credential, session token, cookie or CSRF token', async () => {
    const email = `Leak.Check.${randomUUID().slice(0, 8)}@Example.com`;
    const password = `never logged ${randomUUID()}`;
    const wrongPassword = `wrong guess ${randomUUID()}`;
    const browser = new RecordingClient();
    const other = new RecordingClient();
    const bodies: string[] = [];
    const secrets = new Set<string>([password, wrongPassword]);
    const cookieValues = async (client: BrowserClient) => {
      for (const cookie of await client.jar.getCookies(server.publicUrl)) {
        secrets.add(cookie.value).add(decodeURIComponent(cookie.value));
        const signed = decodeURIComponent(cookie.value).match(/^s:([^.]+)\./);
        if (signed) {
          secrets.add(signed[1]);
        }
      }
    };

    await registerWith(other, server, { 'traits.email': email, password: 'short' });
    await register(browser, server, email, password);
    await cookieValues(browser);
    const identity = (await whoami(browser, server)).json().identity;
    await login(other, server, email, wrongPassword);
    await login(other, server, email, password);
    await cookieValues(other);
    const profileId = await startProfile(browser, server);
    const form = await profileForm(browser, server, profileId);
    secrets.add(csrfTokenOf(form));
    await browser.post(form.action, {
      csrf_token: csrfTokenOf(form),
      'traits.email': email.toLowerCase(),
      password,
    });
    const third = new RecordingClient();
    const loginId = await startFlow(third, server, 'login');
    secrets.add(csrfTokenOf(await passwordForm(server, 'login', loginId)));
    await third.get(
      `${server.publicUrl}/self-service/browser/flows/requests/login?request=${loginId}`,
      { accept: 'application/json' },
    );
    await other.get(`${server.publicUrl}/sessions/whoami`, { accept: 'application/json' });
    await cookieValues(browser);
    await cookieValues(third);
    await browser.get(`${server.publicUrl}/self-service/browser/flows/logout`);
    await browser.get(`${server.publicUrl}/ui/`);
    for (const path of ['/identities', `/identities/${identity.id}`]) {
      bodies.push((await admin(server, 'GET', path)).text);
    }
    bodies.push(
      (
        await admin(server, 'PUT', `/identities/${identity.id}`, {
          json: { traits: { email: email.toLowerCase() }, credentials: { password: {} } },
        })
      ).text,
    );
    bodies.push(
      (
        await admin(server, 'POST', '/identities', {
          json: { traits: { email: `second-${email}` } },
        })
      ).text,
    );

    const responses = [...browser.responses, ...other.responses, ...third.responses]
      .map(everything)
      .concat(bodies);
    expect(responses.length).toBeGreaterThan(20);
    for (const text of responses) {
      expect(text).not.toContain(password);
      expect(text).not.toContain(wrongPassword);
      expect(text).not.toMatch(/\$argon2|hashed_password|"credentials"/);
    }

    const logs = server.logs.join('\n');
    expect(logs).toMatch(/"level":"debug"/);
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(8);
      if (logs.includes(secret)) {
        throw new Error(`a log line contains the secret ${secret}`);
      }
    }
    expect(logs).not.toMatch(/\$argon2/);
    expect(logs.toLowerCase()).not.toContain(email.toLowerCase());
  });
});
