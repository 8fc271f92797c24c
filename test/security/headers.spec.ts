import { randomUUID } from 'node:crypto';

import { BrowserClient, type TestResponse } from '../support/browser-client.js';
import { databaseKinds } from '../support/databases.js';
import { passwordForm, register, startFlow, whoami } from '../support/flows.js';
import { dropTestDatabases, startGatehouse, type TestServer } from '../support/gatehouse.js';
import { startProfile } from '../support/profile.js';

const PASSWORD = 'headers keep browsers honest';

function directives(response: TestResponse): Map<string, string[]> {
  const policy = response.headers.get('content-security-policy') ?? '';
  const map = new Map<string, string[]>();
  for (const directive of policy.split(';')) {
    const [name, ...values] = directive.trim().split(/\s+/);
    if (name) {
      map.set(name, values);
    }
  }

  return map;
}

function expectApiHeaders(response: TestResponse, label: string): void {
  const context = `${label} answered ${response.status}`;
  expect([context, response.headers.get('x-content-type-options')]).toEqual([context, 'nosniff']);
  expect([context, directives(response).get('frame-ancestors')]).toEqual([context, ["'none'"]]);
  expect([context, response.headers.get('x-powered-by')]).toEqual([context, null]);
}

function expectNoStore(response: TestResponse, label: string): void {
  const context = `${label} answered ${response.status}`;
  expect([context, response.headers.get('cache-control')]).toEqual([context, 'no-store']);
}

describe.each(databaseKinds())('security headers on %s', (database) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startGatehouse({ database });
  });

  afterAll(async () => {
    await server.stop();
    await dropTestDatabases();
  });

  it('mark every session and flow response no-store, nosniff and unframeable', async () => {
    const browser = new BrowserClient();
    const json = { accept: 'application/json' };
    const responses: [string, TestResponse][] = [];
    const record = (label: string, response: TestResponse) => {
      responses.push([label, response]);

      return response;
    };

    const registrationId = await startFlow(browser, server, 'registration');
    record(
      'registration init',
      await browser.get(`${server.publicUrl}/self-service/browser/flows/registration`),
    );
    record(
      'registration request',
      await browser.get(
        `${server.publicUrl}/self-service/browser/flows/requests/registration?request=${registrationId}`,
        json,
      ),
    );
    const form = await passwordForm(server, 'registration', registrationId);
    record(
      'registration submit',
      await browser.post(form.action, {
        csrf_token: form.fields.find((field) => field.name === 'csrf_token')?.value as string,
        'traits.email': `${randomUUID()}@example.com`,
        password: PASSWORD,
      }),
    );
    record('whoami', await whoami(browser, server));
    record(
      'whoami without session',
      await new BrowserClient().get(`${server.publicUrl}/sessions/whoami`, json),
    );
    const profileId = await startProfile(browser, server);
    record(
      'profile request',
      await browser.get(
        `${server.publicUrl}/self-service/browser/flows/requests/profile?request=${profileId}`,
        json,
      ),
    );
    record(
      'login init',
      await new BrowserClient().get(`${server.publicUrl}/self-service/browser/flows/login`),
    );
    record(
      'login submit without CSRF',
      await new BrowserClient().post(
        `${server.publicUrl}/self-service/browser/flows/login/strategies/password?request=${randomUUID()}`,
        {},
      ),
    );
    record('logout', await browser.get(`${server.publicUrl}/self-service/browser/flows/logout`));
    record(
      'admin login request',
      await new BrowserClient().get(
        `${server.adminUrl}/self-service/browser/flows/requests/registration?request=${registrationId}`,
        json,
      ),
    );
    record(
      'admin identities',
      await new BrowserClient().get(`${server.adminUrl}/identities`, json),
    );
    record('unknown route', await new BrowserClient().get(`${server.publicUrl}/nope`, json));

    for (const [label, response] of responses) {
      expectApiHeaders(response, label);
      expectNoStore(response, label);
    }
  });

  it.each(['/ui/', '/ui/login', '/ui/registration', '/ui/error?error=x', '/ui/profile'])(
    'protect the built-in page %s',
    async (path) => {
      const browser = new BrowserClient();
      await register(browser, server, `${randomUUID()}@example.com`, PASSWORD);
      const response = await browser.get(`${server.publicUrl}${path}`);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expectApiHeaders(response, path);
      const csp = directives(response);
      expect(csp.get('default-src')).toEqual(["'none'"]);
      const scripts = csp.get('script-src') ?? csp.get('default-src') ?? [];
      expect(scripts).not.toContain("'unsafe-inline'");
      expect(scripts).not.toContain("'unsafe-eval'");
      expect(csp.get('style-src')).not.toContain("'unsafe-inline'");
      expect(csp.get('base-uri')).toEqual(["'none'"]);
      expect(csp.get('form-action')).toBeDefined();
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('cache-control')).toBe('no-store');
      // The pages work under that policy: no inline script or style, no event handlers.
      expect(response.body).not.toMatch(/<script|<style|\sstyle=|\son[a-z]+=/i);
    },
  );
});
