import { randomUUID } from 'node:crypto';

import { BrowserClient } from '../support/browser-client.js';
import { databaseKinds } from '../support/databases.js';
import {
  csrfTokenOf,
  errorIdOf,
  fetchErrorAdmin,
  fetchFlow,
  fieldOf,
  formMessages,
  listIdentities,
  passwordForm,
  registerWith,
  startFlow,
  whoami,
} from '../support/flows.js';
import { dropTestDatabases, startGatehouse, type TestServer } from '../support/gatehouse.js';

const PASSWORD = 'orbital mechanics 1969';
const CSRF_REASON = 'CSRF token is missing or invalid.';

describe.each(databaseKinds())('registration on %s', (database) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startGatehouse({ database });
  });

  afterAll(async () => {
    await server.stop();
    await dropTestDatabases();
  });

  const submitUrl = (id: string) =>
    `${server.publicUrl}/self-service/browser/flows/registration/strategies/password?request=${id}`;

  async function countIdentities(): Promise<number> {
    return (await listIdentities(server)).length;
  }

  describe('success', () => {
    it('creates the identity from a url-encoded form', async () => {
      const browser = new BrowserClient();
      const { response } = await registerWith(browser, server, {
        'traits.email': 'Katherine@Example.com',
        password: PASSWORD,
      });

      expect(response.status).toBe(302);
      expect(response.location).toBe(`${server.publicUrl}/ui/`);
      const session = (await whoami(browser, server)).json();
      expect(session.identity.traits).toEqual({ email: 'Katherine@Example.com' });
      expect(session.identity.traits_schema_id).toBe('default');
      expect(session.identity.traits_schema_url).toBe(`${server.publicUrl}/schemas/default`);

      const stored = await fetch(`${server.adminUrl}/identities/${session.identity.id}`);
      expect(stored.status).toBe(200);
      expect(await stored.json()).toEqual(session.identity);
    });

    it('accepts a JSON body with a traits object', async () => {
      const browser = new BrowserClient();
      const id = await startFlow(browser, server, 'registration');
      const form = await passwordForm(server, 'registration', id);
      const response = await browser.request(form.action, {
        json: {
          csrf_token: csrfTokenOf(form),
          password: PASSWORD,
          traits: { email: 'json-object@example.com' },
        },
      });

      expect(response.status).toBe(302);
      expect((await whoami(browser, server)).json().identity.traits).toEqual({
        email: 'json-object@example.com',
      });
    });

    it('accepts dotted JSON with CSRF header', async () => {
      const browser = new BrowserClient();
      const id = await startFlow(browser, server, 'registration');
      const form = await passwordForm(server, 'registration', id);
      const response = await browser.request(form.action, {
        json: { 'traits.email': 'json-dotted@example.com', password: PASSWORD },
        headers: { 'x-csrf-token': csrfTokenOf(form) },
      });

      expect(response.status).toBe(302);
      expect((await whoami(browser, server)).json().identity.traits.email).toBe(
        'json-dotted@example.com',
      );
    });

    it('sets an HttpOnly Lax session cookie', async () => {
      const { response } = await registerWith(new BrowserClient(), server, {
        'traits.email': 'cookie-check@example.com',
        password: PASSWORD,
      });
      const cookie = response.headers
        .getSetCookie()
        .find((line) => line.startsWith('ory_kratos_session='));

      expect(cookie).toBeDefined();
      expect(cookie).toMatch(/; HttpOnly/);
      expect(cookie).toMatch(/; SameSite=Lax/);
      expect(cookie).toMatch(/; Path=\//);
      expect(cookie).not.toMatch(/; Secure/);
    });

    it('works on a request that failed before', async () => {
      const browser = new BrowserClient();
      const { id, response: failed } = await registerWith(browser, server, {
        'traits.email': 'second-try@example.com',
        password: 'short',
      });
      expect(failed.location).toBe(`${server.publicUrl}/ui/registration?request=${id}`);

      const form = await passwordForm(server, 'registration', id);
      const response = await browser.post(form.action, {
        csrf_token: csrfTokenOf(form),
        'traits.email': 'second-try@example.com',
        password: PASSWORD,
      });
      expect(response.status).toBe(302);
      expect(response.location).toBe(`${server.publicUrl}/ui/`);
    });
  });

  describe('form errors', () => {
    async function expectFormError(
      fields: Record<string, string | string[]>,
      expected: { field?: string; id: string; message: string | RegExp },
    ) {
      const before = await countIdentities();
      const browser = new BrowserClient();
      const { id, response } = await registerWith(browser, server, fields);

      expect(response.status).toBe(302);
      expect(response.location).toBe(`${server.publicUrl}/ui/registration?request=${id}`);
      expect(response.headers.getSetCookie().join('\n')).not.toMatch(/ory_kratos_session=/);
      const form = await passwordForm(server, 'registration', id);
      const errors = expected.field ? fieldOf(form, expected.field)?.errors : form.errors;
      expect(errors).toHaveLength(1);
      expect(errors?.[0].id).toBe(expected.id);
      expect(errors?.[0].message).toMatch(expected.message);
      expect(fieldOf(form, 'password')?.value).toBeUndefined();
      expect(await countIdentities()).toBe(before);

      return form;
    }

    it('rejects a taken email in any case', async () => {
      await registerWith(new BrowserClient(), server, {
        'traits.email': 'taken@example.com',
        password: PASSWORD,
      });
      const form = await expectFormError(
        { 'traits.email': 'TAKEN@Example.COM', password: 'another strong passphrase' },
        {
          id: 'identifier_exists',
          message:
            'An account with the same identifier (email, phone, username, ...) exists already.',
        },
      );

      expect(fieldOf(form, 'traits.email')?.value).toBe('TAKEN@Example.COM');
    });

    it('rejects a short password', async () => {
      await expectFormError(
        { 'traits.email': 'short-password@example.com', password: 'a1b2c3' },
        {
          field: 'password',
          id: 'password_policy_violation',
          message:
            'password: password does not meet the password policy because: password length must be at least 8 characters but only got 6',
        },
      );
    });

    it.each([
      ['the identifier', 'similar@example.com'],
      ['the identifier with a suffix', 'similar@example.com2024'],
      ['the identifier in upper case', 'SIMILAR@EXAMPLE.COM'],
      ['the local part', 'similar1'],
    ])('rejects a password like %s', async (_case, password) => {
      await expectFormError(
        { 'traits.email': 'similar@example.com', password },
        {
          field: 'password',
          id: 'password_policy_violation',
          message: /too similar to the user identifier$/,
        },
      );
    });

    it.each(['password1', 'Password123', 'qwertyuiop', 'trustno1'])(
      'rejects the common password %s',
      async (password) => {
        await expectFormError(
          { 'traits.email': 'common@example.com', password },
          {
            field: 'password',
            id: 'password_policy_violation',
            message: /found in data breaches/,
          },
        );
      },
    );

    it('requires the password', async () => {
      const form = await expectFormError(
        { 'traits.email': 'no-password@example.com' },
        { field: 'password', id: 'field_required', message: 'password: password is required' },
      );

      expect(fieldOf(form, 'traits.email')?.value).toBe('no-password@example.com');
    });

    it('requires the email', async () => {
      await expectFormError(
        { password: PASSWORD },
        { field: 'traits.email', id: 'trait_invalid', message: 'traits.email: email is required' },
      );
    });

    it('rejects an invalid email', async () => {
      const form = await expectFormError(
        { 'traits.email': 'not-an-email', password: PASSWORD },
        {
          field: 'traits.email',
          id: 'trait_invalid',
          message: "traits.email: Does not match format 'email'",
        },
      );

      expect(fieldOf(form, 'traits.email')?.value).toBe('not-an-email');
    });

    it('reports trait and password errors together', async () => {
      const browser = new BrowserClient();
      const { id } = await registerWith(browser, server, { 'traits.email': 'nope' });
      const messages = formMessages(await passwordForm(server, 'registration', id));

      expect(messages.fields['traits.email']).toEqual([
        "traits.email: Does not match format 'email'",
      ]);
      expect(messages.fields.password).toEqual(['password: password is required']);
    });

    it('replaces old errors and renews the CSRF token', async () => {
      const browser = new BrowserClient();
      const { id } = await registerWith(browser, server, { 'traits.email': 'nope' });
      const first = await passwordForm(server, 'registration', id);
      await browser.post(first.action, {
        csrf_token: csrfTokenOf(first),
        'traits.email': 'renewed@example.com',
        password: 'short',
      });
      const second = await passwordForm(server, 'registration', id);

      expect(fieldOf(second, 'traits.email')?.errors).toBeUndefined();
      expect(fieldOf(second, 'traits.email')?.value).toBe('renewed@example.com');
      expect(fieldOf(second, 'password')?.errors).toHaveLength(1);
      expect(csrfTokenOf(second)).not.toBe(csrfTokenOf(first));
      expect(second.fields.map((field) => field.name)).toEqual([
        'csrf_token',
        'password',
        'traits.email',
      ]);
    });

    it('answers JSON clients with the error envelope', async () => {
      const browser = new BrowserClient();
      const id = await startFlow(browser, server, 'registration');
      const form = await passwordForm(server, 'registration', id);
      const response = await browser.request(form.action, {
        form: { csrf_token: csrfTokenOf(form), 'traits.email': 'json-error@example.com' },
        headers: { accept: 'application/json' },
      });

      expect(response.status).toBe(400);
      expect(response.json().error).toMatchObject({
        code: 400,
        status: 'Bad Request',
        reason: 'password: password is required',
        details: { password: ['password: password is required'] },
        message: 'The request was malformed or contained invalid parameters',
      });
      expect(response.json().error.request).toBe(response.headers.get('x-request-id'));
    });
  });

  describe('CSRF', () => {
    async function expectRejected(
      browser: BrowserClient,
      id: string,
      fields: Record<string, string>,
      headers: Record<string, string> = {},
    ) {
      const before = await fetchFlow(server, 'registration', id);
      const identities = await countIdentities();
      const response = await browser.request(submitUrl(id), {
        form: { 'traits.email': `csrf-${randomUUID()}@example.com`, password: PASSWORD, ...fields },
        headers,
      });

      expect(response.status).toBe(400);
      expect(response.json().error).toMatchObject({ code: 400, reason: CSRF_REASON });
      expect(response.headers.getSetCookie().join('\n')).not.toMatch(/ory_kratos_session=/);
      expect(await fetchFlow(server, 'registration', id)).toEqual(before);
      expect(await countIdentities()).toBe(identities);
    }

    it('rejects a missing token', async () => {
      const browser = new BrowserClient();
      await expectRejected(browser, await startFlow(browser, server, 'registration'), {});
    });

    it('rejects a wrong token', async () => {
      const browser = new BrowserClient();
      const id = await startFlow(browser, server, 'registration');
      await expectRejected(browser, id, { csrf_token: 'forged-token-value' });
    });

    it("rejects another browser's token", async () => {
      const other = new BrowserClient();
      const otherForm = await passwordForm(
        server,
        'registration',
        await startFlow(other, server, 'registration'),
      );
      const browser = new BrowserClient();
      const id = await startFlow(browser, server, 'registration');
      await expectRejected(browser, id, { csrf_token: csrfTokenOf(otherForm) });
    });

    it('rejects a token without its cookie', async () => {
      const owner = new BrowserClient();
      const id = await startFlow(owner, server, 'registration');
      const form = await passwordForm(server, 'registration', id);
      await expectRejected(new BrowserClient(), id, { csrf_token: csrfTokenOf(form) });
    });

    it('rejects a wrong CSRF header', async () => {
      const browser = new BrowserClient();
      const id = await startFlow(browser, server, 'registration');
      const form = await passwordForm(server, 'registration', id);
      await expectRejected(
        browser,
        id,
        { csrf_token: csrfTokenOf(form) },
        { 'x-csrf-token': 'wrong' },
      );
    });
  });

  describe('request id', () => {
    it('sends an unknown request to the error page', async () => {
      const browser = new BrowserClient();
      const form = await passwordForm(
        server,
        'registration',
        await startFlow(browser, server, 'registration'),
      );
      const identities = await countIdentities();
      const response = await browser.post(submitUrl(randomUUID()), {
        csrf_token: csrfTokenOf(form),
        'traits.email': 'unknown-request@example.com',
        password: PASSWORD,
      });

      expect(response.status).toBe(302);
      expect(response.location?.startsWith(`${server.publicUrl}/ui/error?error=`)).toBe(true);
      const stored = await fetchErrorAdmin(server, errorIdOf(response.location));
      expect(((await stored.json()) as any).errors).toEqual([
        {
          code: 404,
          status: 'Not Found',
          message: 'Unable to locate the resource',
        },
      ]);
      expect(await countIdentities()).toBe(identities);
    });

    it('sends a missing request id to the error page', async () => {
      const browser = new BrowserClient();
      const form = await passwordForm(
        server,
        'registration',
        await startFlow(browser, server, 'registration'),
      );
      const response = await browser.post(
        `${server.publicUrl}/self-service/browser/flows/registration/strategies/password`,
        { csrf_token: csrfTokenOf(form), password: PASSWORD },
      );

      expect(response.status).toBe(302);
      const stored = await fetchErrorAdmin(server, errorIdOf(response.location));
      expect(((await stored.json()) as any).errors[0]).toMatchObject({
        code: 400,
        reason: 'The request query parameter is missing or invalid.',
      });
    });

    it('JSON client: 404 for unknown request', async () => {
      const browser = new BrowserClient();
      const form = await passwordForm(
        server,
        'registration',
        await startFlow(browser, server, 'registration'),
      );
      const response = await browser.request(submitUrl(randomUUID()), {
        json: { csrf_token: csrfTokenOf(form), password: PASSWORD },
        headers: { accept: 'application/json' },
      });

      expect(response.status).toBe(404);
      expect(response.json().error.message).toBe('Unable to locate the resource');
    });

    it('does not accept a login request', async () => {
      const browser = new BrowserClient();
      const loginId = await startFlow(browser, server, 'login');
      const form = await passwordForm(server, 'login', loginId);
      const response = await browser.post(submitUrl(loginId), {
        csrf_token: csrfTokenOf(form),
        'traits.email': 'wrong-kind@example.com',
        password: PASSWORD,
      });

      expect(response.location?.startsWith(`${server.publicUrl}/ui/error?error=`)).toBe(true);
    });
  });

  describe('malformed bodies', () => {
    async function prepared() {
      const browser = new BrowserClient();
      const id = await startFlow(browser, server, 'registration');
      const form = await passwordForm(server, 'registration', id);

      return { browser, id, form, token: csrfTokenOf(form) };
    }

    it('rejects invalid JSON with 400', async () => {
      const { browser, id, token } = await prepared();
      const response = await browser.request(submitUrl(id), {
        body: '{"traits": {"email": ',
        headers: { 'content-type': 'application/json', 'x-csrf-token': token },
      });

      expect(response.status).toBe(400);
      expect(response.json().error.reason).toBe('The request body is not valid JSON.');
    });

    it('rejects JSON nested too deeply with 400', async () => {
      const { browser, id, token } = await prepared();
      const response = await browser.request(submitUrl(id), {
        body: `{"traits": ${'['.repeat(40)}${']'.repeat(40)}}`,
        headers: { 'content-type': 'application/json', 'x-csrf-token': token },
      });

      expect(response.status).toBe(400);
      expect(response.json().error.reason).toMatch(/nested deeper than 32 levels/);
    });

    it('rejects a body over the limit with 413', async () => {
      const { browser, id, token } = await prepared();
      const response = await browser.request(submitUrl(id), {
        form: { csrf_token: token, 'traits.email': 'x'.repeat(1_100_000) },
      });

      expect(response.status).toBe(413);
      expect(response.json().error.code).toBe(413);
    });

    it('shows an unsupported content type on the form', async () => {
      const { browser, id, token } = await prepared();
      const response = await browser.request(submitUrl(id), {
        body: 'traits.email=a@example.com',
        headers: { 'content-type': 'text/plain', 'x-csrf-token': token },
      });

      expect(response.location).toBe(`${server.publicUrl}/ui/registration?request=${id}`);
      const messages = formMessages(await passwordForm(server, 'registration', id));
      expect(messages.form).toEqual([
        'HTTP POST Request used unknown HTTP Header "Content-Type: text/plain", only [application/x-www-form-urlencoded application/json] are supported.',
      ]);
    });

    it('shows a JSON array body on the form', async () => {
      const { browser, id, token } = await prepared();
      const response = await browser.request(submitUrl(id), {
        body: '[1, 2, 3]',
        headers: { 'content-type': 'application/json', 'x-csrf-token': token },
      });

      expect(response.status).toBe(302);
      const messages = formMessages(await passwordForm(server, 'registration', id));
      expect(messages.form).toEqual(['The request body must be a form or a JSON object.']);
    });

    it('reports wrongly typed JSON values', async () => {
      const { browser, id, token } = await prepared();
      const response = await browser.request(submitUrl(id), {
        json: { csrf_token: token, password: ['a', 'b'], traits: { email: 42 } },
      });

      expect(response.status).toBe(302);
      const messages = formMessages(await passwordForm(server, 'registration', id));
      expect(messages.fields['traits.email']).toContain(
        'traits.email: Invalid type. Expected: string, given: integer',
      );
    });

    it('treats an empty form as missing fields', async () => {
      const { browser, id, token } = await prepared();
      const response = await browser.post(submitUrl(id), { csrf_token: token });

      expect(response.status).toBe(302);
      const messages = formMessages(await passwordForm(server, 'registration', id));
      expect(messages.fields).toEqual({
        'traits.email': ['traits.email: email is required'],
        password: ['password: password is required'],
      });
    });
  });

  describe('racing registrations', () => {
    it('lets exactly one of two registrations win', async () => {
      for (let round = 0; round < 3; round += 1) {
        const email = `race-${round}-${randomUUID()}@example.com`;
        const browsers = [new BrowserClient(), new BrowserClient()];
        const prepared = await Promise.all(
          browsers.map(async (browser) => {
            const id = await startFlow(browser, server, 'registration');

            return { browser, id, form: await passwordForm(server, 'registration', id) };
          }),
        );
        const responses = await Promise.all(
          prepared.map(({ browser, form }, index) =>
            browser.post(form.action, {
              csrf_token: csrfTokenOf(form),
              'traits.email': index === 0 ? email : email.toUpperCase(),
              password: PASSWORD,
            }),
          ),
        );

        const winners = responses.filter(
          (response) => response.location === `${server.publicUrl}/ui/`,
        );
        const losers = prepared.filter(
          (_entry, index) => responses[index].location !== `${server.publicUrl}/ui/`,
        );
        expect(responses.map((response) => response.status)).toEqual([302, 302]);
        expect(winners).toHaveLength(1);
        expect(losers).toHaveLength(1);
        const loserForm = await passwordForm(server, 'registration', losers[0].id);
        expect(loserForm.errors?.map((error) => error.id)).toEqual(['identifier_exists']);
        const matching = (await listIdentities(server)).filter(
          (identity) => identity.traits.email.toLowerCase() === email,
        );
        expect(matching).toHaveLength(1);
      }
    });

    it('answers the losing JSON client with 400', async () => {
      const email = `race-json-${randomUUID()}@example.com`;
      const browsers = [new BrowserClient(), new BrowserClient()];
      const prepared = await Promise.all(
        browsers.map(async (browser) => {
          const id = await startFlow(browser, server, 'registration');

          return { browser, form: await passwordForm(server, 'registration', id) };
        }),
      );
      const responses = await Promise.all(
        prepared.map(({ browser, form }) =>
          browser.request(form.action, {
            json: { csrf_token: csrfTokenOf(form), traits: { email }, password: PASSWORD },
            headers: { accept: 'application/json' },
          }),
        ),
      );

      expect(responses.map((response) => response.status).sort()).toEqual([302, 400]);
      const loser = responses.find((response) => response.status === 400);
      expect(loser?.json().error.reason).toBe(
        'An account with the same identifier (email, phone, username, ...) exists already.',
      );
    });
  });
});
