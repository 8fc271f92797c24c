import { randomUUID } from 'node:crypto';

import { BrowserClient } from '../support/browser-client.js';
import { databaseKinds } from '../support/databases.js';
import {
  csrfTokenOf,
  listIdentities,
  login,
  passwordForm,
  register,
  startFlow,
  whoami,
} from '../support/flows.js';
import { dropTestDatabases, startGatehouse, type TestServer } from '../support/gatehouse.js';

const PASSWORD = 'hooks and ladders 77';

describe.each(databaseKinds())('after hooks on %s', (database) => {
  afterAll(async () => {
    await dropTestDatabases();
  });

  describe('without hooks', () => {
    let server: TestServer;

    beforeAll(async () => {
      server = await startGatehouse({
        database,
        config: {
          selfservice: {
            registration: { after: { password: [] } },
            login: { after: { password: [] } },
          },
        },
      });
    });

    afterAll(async () => {
      await server.stop();
    });

    it('answers registration with an empty 200', async () => {
      const email = `${randomUUID()}@example.com`;
      const browser = new BrowserClient();
      const response = await register(browser, server, email, PASSWORD);

      expect(response.status).toBe(200);
      expect(response.body).toBe('');
      expect(response.headers.getSetCookie().join('\n')).not.toMatch(/ory_kratos_session=/);
      expect((await whoami(browser, server)).status).toBe(401);
      expect((await listIdentities(server)).map((identity) => identity.traits.email)).toContain(
        email,
      );
    });

    it('answers login with an empty 200', async () => {
      const email = `${randomUUID()}@example.com`;
      await register(new BrowserClient(), server, email, PASSWORD);
      const response = await login(new BrowserClient(), server, email, PASSWORD);

      expect(response.status).toBe(200);
      expect(response.body).toBe('');
      expect(response.headers.getSetCookie().join('\n')).not.toMatch(/ory_kratos_session=/);
    });
  });

  describe('session only', () => {
    let server: TestServer;

    beforeAll(async () => {
      server = await startGatehouse({
        database,
        config: { selfservice: { registration: { after: { password: [{ job: 'session' }] } } } },
      });
    });

    afterAll(async () => {
      await server.stop();
    });

    it('signs in and answers 200', async () => {
      const browser = new BrowserClient();
      const response = await register(browser, server, `${randomUUID()}@example.com`, PASSWORD);

      expect(response.status).toBe(200);
      expect(response.body).toBe('');
      expect((await whoami(browser, server)).status).toBe(200);
    });
  });

  describe('revoke_active_sessions', () => {
    let server: TestServer;

    beforeAll(async () => {
      server = await startGatehouse({
        database,
        config: {
          selfservice: {
            login: {
              after: {
                password: [
                  { job: 'revoke_active_sessions' },
                  { job: 'session' },
                  { job: 'redirect' },
                ],
              },
            },
          },
        },
      });
    });

    afterAll(async () => {
      await server.stop();
    });

    it('ends the earlier sessions at login', async () => {
      const email = `${randomUUID()}@example.com`;
      const first = new BrowserClient();
      const second = new BrowserClient();
      await register(first, server, email, PASSWORD);
      expect((await whoami(first, server)).status).toBe(200);

      const response = await login(second, server, email, PASSWORD);

      expect(response.status).toBe(302);
      expect(response.location).toBe(`${server.publicUrl}/ui/`);
      expect((await whoami(second, server)).status).toBe(200);
      expect((await whoami(first, server)).status).toBe(401);
    });

    it("keeps other identities' sessions", async () => {
      const other = new BrowserClient();
      await register(other, server, `${randomUUID()}@example.com`, PASSWORD);
      const email = `${randomUUID()}@example.com`;
      await register(new BrowserClient(), server, email, PASSWORD);
      await login(new BrowserClient(), server, email, PASSWORD);

      expect((await whoami(other, server)).status).toBe(200);
    });
  });

  describe('redirect', () => {
    let server: TestServer;

    beforeAll(async () => {
      server = await startGatehouse({
        database,
        config: {
          urls: { whitelisted_return_to_domains: ['https://app.example.com'] },
          selfservice: {
            registration: {
              after: {
                password: [
                  { job: 'session' },
                  {
                    job: 'redirect',
                    config: { default_redirect_url: 'https://app.example.com/welcome' },
                  },
                ],
              },
            },
          },
        },
      });
    });

    afterAll(async () => {
      await server.stop();
    });

    it('ignores return_to unless allowed', async () => {
      const browser = new BrowserClient();
      const id = await startFlow(
        browser,
        server,
        'registration',
        `?return_to=${encodeURIComponent('https://app.example.com/elsewhere')}`,
      );
      const form = await passwordForm(server, 'registration', id);
      const response = await browser.post(form.action, {
        csrf_token: csrfTokenOf(form),
        'traits.email': `${randomUUID()}@example.com`,
        password: PASSWORD,
      });

      expect(response.status).toBe(302);
      expect(response.location).toBe('https://app.example.com/welcome');
      expect((await whoami(browser, server)).status).toBe(200);
    });
  });
});
