import { randomUUID } from 'node:crypto';

import { BrowserClient } from '../support/browser-client.js';
import { databaseKinds } from '../support/databases.js';
import {
  csrfTokenOf,
  errorIdOf,
  fetchErrorAdmin,
  passwordForm,
  register,
  startFlow,
  type FlowKind,
} from '../support/flows.js';
import { dropTestDatabases, startGatehouse, type TestServer } from '../support/gatehouse.js';

const PASSWORD = 'return ticket to ride';

describe.each(databaseKinds())('return_to on %s', (database) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startGatehouse({
      database,
      config: {
        urls: {
          whitelisted_return_to_domains: [
            'https://app.example.com/any/path',
            'http://partner.example.org:8080',
          ],
        },
      },
    });
  });

  afterAll(async () => {
    await server.stop();
    await dropTestDatabases();
  });

  /** Registers (or logs in) through a flow started with this return_to; returns the final redirect. */
  async function completeFlow(kind: FlowKind, returnTo: string): Promise<string | undefined> {
    const browser = new BrowserClient();
    const email = `${randomUUID()}@example.com`;
    if (kind === 'login') {
      await register(new BrowserClient(), server, email, PASSWORD);
    }
    const id = await startFlow(browser, server, kind, `?return_to=${encodeURIComponent(returnTo)}`);
    const form = await passwordForm(server, kind, id);
    const fields: Record<string, string> =
      kind === 'login'
        ? { identifier: email, password: PASSWORD }
        : { 'traits.email': email, password: PASSWORD };
    const response = await browser.post(form.action, { csrf_token: csrfTokenOf(form), ...fields });
    expect(response.status).toBe(302);

    return response.location;
  }

  describe.each<FlowKind>(['registration', 'login'])('after %s', (kind) => {
    it.each([
      ['https://app.example.com/welcome?tab=1', 'https://app.example.com/welcome?tab=1'],
      ['HTTPS://APP.Example.COM/Mixed', 'https://app.example.com/Mixed'],
      ['http://partner.example.org:8080/back', 'http://partner.example.org:8080/back'],
    ])('follows allowed %s', async (returnTo, expected) => {
      expect(await completeFlow(kind, returnTo)).toBe(expected);
    });

    it('puts a path on the default host', async () => {
      expect(await completeFlow(kind, '/dashboard?view=week')).toBe(
        `${server.publicUrl}/dashboard?view=week`,
      );
    });

    it('goes to the default without return_to', async () => {
      expect(await completeFlow(kind, '')).toBe(`${server.publicUrl}/ui/`);
    });
  });

  describe.each<FlowKind>(['registration', 'login'])('%s init', (kind) => {
    it.each([
      ['another host', 'https://evil.example.com/', 'evil.example.com'],
      [
        'a suffixed host',
        'https://app.example.com.evil.example.com/',
        'app.example.com.evil.example.com',
      ],
      ['another scheme', 'http://app.example.com/', 'app.example.com'],
      ['another port', 'https://app.example.com:8443/', 'app.example.com:8443'],
      ['a missing port', 'http://partner.example.org/', 'partner.example.org'],
      ['a scheme-relative URL', '//evil.example.com/path', '(invalid URL)'],
      ['a backslash path', '/\\evil.example.com', '(invalid URL)'],
      ['a tab in the path', '/\t/evil.example.com', '(invalid URL)'],
      ['userinfo', 'https://app.example.com@evil.example.com/', 'evil.example.com'],
      ['credentials', 'https://user:secret@app.example.com/', 'app.example.com'],
      ['javascript', 'javascript:alert(document.cookie)', 'javascript:'],
      ['a data URL', 'data:text/html,<script>alert(1)</script>', 'data:'],
      ['a scheme without slashes', 'https:evil.example.com', 'evil.example.com'],
    ])('rejects %s', async (_case, returnTo, host) => {
      const browser = new BrowserClient();
      const response = await browser.get(
        `${server.publicUrl}/self-service/browser/flows/${kind}?return_to=${encodeURIComponent(returnTo)}`,
      );

      expect(response.status).toBe(302);
      expect(response.location?.startsWith(`${server.publicUrl}/ui/error?error=`)).toBe(true);
      const stored = (await (
        await fetchErrorAdmin(server, errorIdOf(response.location))
      ).json()) as any;
      expect(stored.errors).toEqual([
        {
          code: 400,
          status: 'Bad Request',
          reason: `Requested return_to domain "${host}" is not a whitelisted return domain`,
          message: 'The request was malformed or contained invalid parameters',
        },
      ]);
    });
  });

  it('ignores return_to on the submit URL', async () => {
    const browser = new BrowserClient();
    const id = await startFlow(browser, server, 'registration');
    const form = await passwordForm(server, 'registration', id);
    const response = await browser.post(
      `${form.action}&return_to=${encodeURIComponent('https://app.example.com/from-submit')}`,
      {
        csrf_token: csrfTokenOf(form),
        'traits.email': `${randomUUID()}@example.com`,
        password: PASSWORD,
      },
    );

    expect(response.location).toBe(`${server.publicUrl}/ui/`);
  });

  it('sends a signed-in browser to the default', async () => {
    const browser = new BrowserClient();
    await register(browser, server, `${randomUUID()}@example.com`, PASSWORD);
    const response = await browser.get(
      `${server.publicUrl}/self-service/browser/flows/login?return_to=${encodeURIComponent('https://app.example.com/x')}`,
    );

    expect(response.location).toBe(`${server.publicUrl}/ui/`);
  });
});
