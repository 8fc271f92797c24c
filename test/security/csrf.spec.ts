import { randomUUID } from 'node:crypto';

import { BrowserClient, type TestResponse } from '../support/browser-client.js';
import { databaseKinds } from '../support/databases.js';
import {
  csrfTokenOf,
  fetchFlow,
  listIdentities,
  passwordForm,
  register,
  startFlow,
  whoami,
  type FlowKind,
  type FormPayload,
} from '../support/flows.js';
import { dropTestDatabases, startGatehouse, type TestServer } from '../support/gatehouse.js';
import { adminIdentity, profileForm, startProfile } from '../support/profile.js';

const PASSWORD = 'cross site request forgery';
const CSRF_REJECTED = 'CSRF token is missing or invalid.';

type Forgery = 'missing' | 'wrong' | "another browser's";

/** The token a forged request carries, or undefined for none. */
async function forgedToken(forgery: Forgery, own: string, server: TestServer): Promise<string> {
  if (forgery === 'missing') {
    return '';
  }
  if (forgery === 'wrong') {
    // Same length and alphabet as a real token, but not made from this browser's secret.
    return `${own.slice(0, -4)}${own.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
  }
  const attacker = new BrowserClient();
  const id = await startFlow(attacker, server, 'login');

  return csrfTokenOf(await passwordForm(server, 'login', id));
}

function withoutToken(form: FormPayload): FormPayload {
  return {
    ...form,
    fields: form.fields.map((field) =>
      field.name === 'csrf_token' ? { ...field, value: undefined } : field,
    ),
  };
}

function expectRejected(response: TestResponse): void {
  expect(response.status).toBe(400);
  expect(response.json().error).toMatchObject({ code: 400, reason: CSRF_REJECTED });
  expect(response.headers.getSetCookie().join('\n')).not.toContain('ory_kratos_session=');
}

describe.each(databaseKinds())('CSRF on %s', (database) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startGatehouse({ database });
  });

  afterAll(async () => {
    await server.stop();
    await dropTestDatabases();
  });

  const forgeries: Forgery[] = ['missing', 'wrong', "another browser's"];
  const transports = ['form field', 'JSON body', 'header'] as const;

  async function submit(
    browser: BrowserClient,
    action: string,
    token: string,
    fields: Record<string, string>,
    transport: (typeof transports)[number],
  ): Promise<TestResponse> {
    if (transport === 'form field') {
      return browser.post(action, token ? { ...fields, csrf_token: token } : fields);
    }
    if (transport === 'JSON body') {
      return browser.request(action, { json: token ? { ...fields, csrf_token: token } : fields });
    }

    return browser.request(action, {
      json: fields,
      headers: token ? { 'x-csrf-token': token } : {},
    });
  }

  describe.each(forgeries)('a %s token', (forgery) => {
    it.each(transports)('on registration (%s) creates no identity', async (transport) => {
      const browser = new BrowserClient();
      const id = await startFlow(browser, server, 'registration');
      const before = await fetchFlow(server, 'registration', id);
      const form = before.methods.password.config;
      const token = await forgedToken(forgery, csrfTokenOf(form), server);
      const count = (await listIdentities(server)).length;
      const email = `${randomUUID()}@example.com`;

      const response = await submit(
        browser,
        form.action,
        token,
        { 'traits.email': email, password: PASSWORD },
        transport,
      );

      expectRejected(response);
      expect(await listIdentities(server)).toHaveLength(count);
      expect(await fetchFlow(server, 'registration', id)).toEqual(before);
      expect((await whoami(browser, server)).status).toBe(401);
    });

    it.each(transports)('on login (%s) signs nobody in', async (transport) => {
      const email = `${randomUUID()}@example.com`;
      await register(new BrowserClient(), server, email, PASSWORD);
      const browser = new BrowserClient();
      const id = await startFlow(browser, server, 'login');
      const before = await fetchFlow(server, 'login', id);
      const form = before.methods.password.config;
      const token = await forgedToken(forgery, csrfTokenOf(form), server);

      const response = await submit(
        browser,
        form.action,
        token,
        { identifier: email, password: PASSWORD },
        transport,
      );

      expectRejected(response);
      expect((await whoami(browser, server)).status).toBe(401);
      expect(await fetchFlow(server, 'login', id)).toEqual(before);
    });

    it.each(transports)('on a profile update (%s) changes no trait', async (transport) => {
      const browser = new BrowserClient();
      const email = `${randomUUID()}@example.com`;
      await register(browser, server, email, PASSWORD);
      const identityId = (await whoami(browser, server)).json().identity.id as string;
      const stored = await adminIdentity(server, identityId);
      const id = await startProfile(browser, server);
      const form = await profileForm(browser, server, id);
      const token = await forgedToken(forgery, csrfTokenOf(form), server);

      const response = await submit(
        browser,
        form.action,
        token,
        { 'traits.email': `changed-${email}` },
        transport,
      );

      expectRejected(response);
      expect(await adminIdentity(server, identityId)).toEqual(stored);
      // Each rendering carries a freshly salted token; everything else must be as it was.
      expect(withoutToken(await profileForm(browser, server, id))).toEqual(withoutToken(form));
    });
  });

  it.each<FlowKind>(['login', 'registration'])(
    'accepts the real token on %s, so the rejections above are about the token',
    async (kind) => {
      const email = `${randomUUID()}@example.com`;
      if (kind === 'login') {
        await register(new BrowserClient(), server, email, PASSWORD);
      }
      const browser = new BrowserClient();
      const id = await startFlow(browser, server, kind);
      const form = await passwordForm(server, kind, id);
      const fields: Record<string, string> =
        kind === 'login'
          ? { identifier: email, password: PASSWORD }
          : { 'traits.email': email, password: PASSWORD };
      for (const transport of transports.slice(0, 1)) {
        const response = await submit(browser, form.action, csrfTokenOf(form), fields, transport);
        expect(response.status).toBe(302);
      }
      expect((await whoami(browser, server)).status).toBe(200);
    },
  );
});
