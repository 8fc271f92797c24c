import { BrowserClient } from '../support/browser-client.js';
import { databaseKinds } from '../support/databases.js';
import {
  fieldOf,
  login,
  passwordForm,
  register,
  startFlow,
  submitPasswordForm,
  whoami,
} from '../support/flows.js';
import { dropTestDatabases, startGatehouse, type TestServer } from '../support/gatehouse.js';

describe.each(databaseKinds())('sign-up and sign-in on %s', (database) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startGatehouse({ database });
  });

  afterAll(async () => {
    await server.stop();
    await dropTestDatabases();
  });

  it('registers, reports the session in whoami, logs out and logs in again', async () => {
    const browser = new BrowserClient();
    const registered = await register(browser, server, 'Ada@Example.com', 'analytical engine 1843');
    expect(registered.status).toBe(302);
    expect(registered.location).toBe(`${server.publicUrl}/ui/`);
    expect(registered.headers.getSetCookie().join('\n')).toMatch(
      /ory_kratos_session=.*HttpOnly.*SameSite=Lax/,
    );

    const session = await whoami(browser, server);
    expect(session.status).toBe(200);
    expect(session.json().identity.traits).toEqual({ email: 'Ada@Example.com' });

    const loggedOut = await browser.get(`${server.publicUrl}/self-service/browser/flows/logout`);
    expect(loggedOut.status).toBe(302);
    expect((await whoami(browser, server)).status).toBe(401);

    const loggedIn = await login(browser, server, 'ada@example.COM', 'analytical engine 1843');
    expect(loggedIn.status).toBe(302);
    expect((await whoami(browser, server)).json().identity.traits.email).toBe('Ada@Example.com');
  });

  it('shows one message for a wrong password and an unknown identifier', async () => {
    const browser = new BrowserClient();
    await register(browser, server, 'grace@example.com', 'compiler pioneer 1952');
    const stranger = new BrowserClient();

    const messages: string[] = [];
    for (const identifier of ['grace@example.com', 'nobody@example.com']) {
      const id = await startFlow(stranger, server, 'login');
      const response = await submitPasswordForm(stranger, server, 'login', id, {
        identifier,
        password: 'not the password',
      });
      expect(response.location).toBe(`${server.publicUrl}/ui/login?request=${id}`);
      const form = await passwordForm(server, 'login', id);
      expect(fieldOf(form, 'identifier')?.value).toBe(identifier);
      expect(fieldOf(form, 'password')?.value).toBeUndefined();
      messages.push(form.errors?.map((error) => error.id).join(',') ?? '');
    }
    expect(messages).toEqual(['credentials_invalid', 'credentials_invalid']);
  });
});
