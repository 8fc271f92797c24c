import { BrowserClient } from '../support/browser-client.js';
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

describe.each(databaseKinds())('logs on %s', (database) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startGatehouse({ database, env: { LOG_LEVEL: 'trace' } });
  });

  afterAll(async () => {
    await server.stop();
    await dropTestDatabases();
  });

  it('contain no personal data or secrets', async () => {
    const email = 'Secret.Person@Example.com';
    const password = 'unguessable logging passphrase';
    const browser = new BrowserClient();
    const secrets: string[] = [email, email.toLowerCase(), password];

    await registerWith(new BrowserClient(), server, { 'traits.email': email, password: 'short' });
    await register(browser, server, email, password);
    await register(new BrowserClient(), server, email, password);
    await whoami(browser, server);
    secrets.push(
      decodeURIComponent((await browser.cookie('ory_kratos_session', server.publicUrl)) ?? ''),
    );
    await browser.get(`${server.publicUrl}/self-service/browser/flows/logout`);
    await login(browser, server, email, 'a wrong passphrase');
    const id = await startFlow(browser, server, 'login');
    const form = await passwordForm(server, 'login', id);
    secrets.push(csrfTokenOf(form), (await browser.cookie('csrf_token', server.publicUrl)) ?? '');
    await browser.post(form.action, { csrf_token: csrfTokenOf(form), identifier: email, password });
    await browser.get(`${server.publicUrl}/ui/`);

    const logs = server.logs.join('\n');
    expect(logs).toMatch(/"msg":"request completed"/);
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(8);
      expect(logs).not.toContain(secret);
    }
    expect(logs.toLowerCase()).not.toContain('secret.person');
    expect(logs).not.toMatch(/"remoteAddress"/);
  });
});
