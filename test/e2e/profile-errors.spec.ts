import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { BrowserClient, type TestResponse } from '../support/browser-client.js';
import { databaseKinds } from '../support/databases.js';
import { csrfTokenOf, fieldOf, login, register, whoami } from '../support/flows.js';
import { dropTestDatabases, startGatehouse, type TestServer } from '../support/gatehouse.js';
import {
  adminIdentity,
  getProfileAdmin,
  getProfilePublic,
  PROFILE_GETTER,
  profileForm,
  startProfile,
  submitProfile,
  submitProfileJson,
} from '../support/profile.js';

const PASSWORD = 'correct horse battery staple';
const ACCESS_DENIED =
  'Access privileges are missing, invalid, or not sufficient to access this endpoint.';
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

/** A schema whose login identifier is optional, so a form could try to remove it. */
const OPTIONAL_IDENTIFIER_SCHEMA = {
  type: 'object',
  properties: {
    email: {
      type: 'string',
      format: 'email',
      'ory.sh/kratos': { credentials: { password: { identifier: true } } },
    },
    nickname: { type: 'string' },
  },
};

interface Person {
  browser: BrowserClient;
  identityId: string;
  email: string;
}

describe.each(databaseKinds())('profile management errors on %s', (database) => {
  let server: TestServer;
  let schemaDirectory: string;
  let count = 0;

  beforeAll(async () => {
    schemaDirectory = mkdtempSync(path.join(tmpdir(), 'gatehouse-profile-errors-'));
    const optionalSchema = path.join(schemaDirectory, 'optional.schema.json');
    writeFileSync(optionalSchema, JSON.stringify(OPTIONAL_IDENTIFIER_SCHEMA));
    server = await startGatehouse({
      database,
      config: {
        identity: {
          traits: { schemas: [{ id: 'optional', url: pathToFileURL(optionalSchema).href }] },
        },
      },
    });
  });

  afterAll(async () => {
    await server.stop();
    await dropTestDatabases();
    rmSync(schemaDirectory, { recursive: true, force: true });
  });

  async function registerPerson(target = server): Promise<Person> {
    count += 1;
    const email = `person-${count}@example.com`;
    const browser = new BrowserClient();
    expect((await register(browser, target, email, PASSWORD)).status).toBe(302);
    const identityId = (await whoami(browser, target)).json().identity.id as string;

    return { browser, identityId, email };
  }

  /** Reads the stored error the error page would show for a redirect to it. */
  async function storedError(browser: BrowserClient, response: TestResponse): Promise<any> {
    expect(response.status).toBe(302);
    const location = new URL(response.location!);
    expect(`${location.origin}${location.pathname}`).toBe(`${server.publicUrl}/ui/error`);
    const id = location.searchParams.get('error');
    const stored = await browser.get(`${server.publicUrl}/self-service/errors?error=${id}`, {
      accept: 'application/json',
    });
    expect(stored.status).toBe(200);

    return stored.json().errors[0];
  }

  describe('public getter', () => {
    it('redirects a browser without a session to the login page', async () => {
      const { browser } = await registerPerson();
      const id = await startProfile(browser, server);

      const response = await getProfilePublic(new BrowserClient(), server, id);

      expect(response.status).toBe(302);
      expect(response.location).toBe(`${server.publicUrl}/ui/login`);
    });

    it('answers unknown and foreign requests with the same 403', async () => {
      const alice = await registerPerson();
      const bob = await registerPerson();
      const id = await startProfile(alice.browser, server);

      const foreign = await getProfilePublic(bob.browser, server, id);
      const unknown = await getProfilePublic(bob.browser, server, UNKNOWN_ID);
      const malformed = await getProfilePublic(bob.browser, server, 'not-a-uuid');
      const missing = await bob.browser.get(`${server.publicUrl}${PROFILE_GETTER}`, {
        accept: 'application/json',
      });

      for (const response of [foreign, unknown, malformed, missing]) {
        expect(response.status).toBe(403);
        const { request: _request, ...error } = response.json().error;
        expect(error).toEqual({
          code: 403,
          status: 'Forbidden',
          reason: ACCESS_DENIED,
          message: 'The requested action was forbidden',
        });
      }
      expect(foreign.body).not.toContain(alice.email);
    });
  });

  describe('admin getter', () => {
    it.each([
      ['an unknown id', `?request=${UNKNOWN_ID}`],
      ['a malformed id', '?request=not-a-uuid'],
      ['a missing id', ''],
    ])('answers 404 for %s', async (_case, query) => {
      const response = await fetch(`${server.adminUrl}${PROFILE_GETTER}${query}`);

      expect(response.status).toBe(404);
      expect(((await response.json()) as any).error.message).toBe('Unable to locate the resource');
    });
  });

  describe('update', () => {
    it('redirects a browser without a session to login and changes nothing', async () => {
      const person = await registerPerson();
      const id = await startProfile(person.browser, server);
      const form = await profileForm(person.browser, server, id);
      // A browser that still has its CSRF cookie but no session, for example after it expired.
      const signedOut = new BrowserClient();
      const csrfCookie = await person.browser.cookie('csrf_token', server.publicUrl);
      await signedOut.jar.setCookie(`csrf_token=${csrfCookie}; Path=/`, server.publicUrl);

      const response = await signedOut.post(form.action, {
        csrf_token: csrfTokenOf(form),
        'traits.email': 'hijacked@example.com',
      });

      expect(response.status).toBe(302);
      expect(response.location).toBe(`${server.publicUrl}/ui/login`);
      expect((await adminIdentity(server, person.identityId)).traits.email).toBe(person.email);
      expect((await getProfileAdmin(server, id)).update_successful).toBe(false);
    });

    it.each([
      ['a missing CSRF token', undefined],
      ['a malformed CSRF token', 'forged'],
    ])('rejects %s with 400 and changes nothing', async (_case, token) => {
      const person = await registerPerson();
      const id = await startProfile(person.browser, server);
      const before = await getProfileAdmin(server, id);
      const fields: Record<string, string> = { 'traits.email': 'changed@example.com' };
      if (token !== undefined) {
        fields.csrf_token = token;
      }

      const response = await person.browser.post(before.form.action, fields);

      expect(response.status).toBe(400);
      expect(response.json().error.reason).toBe('CSRF token is missing or invalid.');
      expect((await adminIdentity(server, person.identityId)).traits.email).toBe(person.email);
      expect(await getProfileAdmin(server, id)).toEqual(before);
    });

    it("rejects another browser's CSRF token and changes nothing", async () => {
      const person = await registerPerson();
      const other = await registerPerson();
      const id = await startProfile(person.browser, server);
      const otherId = await startProfile(other.browser, server);
      const otherToken = csrfTokenOf(await profileForm(other.browser, server, otherId));
      const before = await getProfileAdmin(server, id);

      const response = await person.browser.post(before.form.action, {
        csrf_token: otherToken,
        'traits.email': 'changed@example.com',
      });

      expect(response.status).toBe(400);
      expect((await adminIdentity(server, person.identityId)).traits.email).toBe(person.email);
      expect(await getProfileAdmin(server, id)).toEqual(before);
    });

    it("rejects another person's request and changes nothing", async () => {
      const alice = await registerPerson();
      const bob = await registerPerson();
      const aliceRequest = await startProfile(alice.browser, server);
      const bobRequest = await startProfile(bob.browser, server);
      const before = await getProfileAdmin(server, aliceRequest);
      const bobToken = csrfTokenOf(await profileForm(bob.browser, server, bobRequest));

      const response = await bob.browser.post(before.form.action, {
        csrf_token: bobToken,
        'traits.email': 'bob-took-over@example.com',
      });

      const error = await storedError(bob.browser, response);
      expect(error.code).toBe(403);
      expect(error.reason).toBe(
        'The request was made for another identity and has been blocked for security reasons.',
      );
      expect(await getProfileAdmin(server, aliceRequest)).toEqual(before);
      expect((await adminIdentity(server, alice.identityId)).traits.email).toBe(alice.email);
      expect((await adminIdentity(server, bob.identityId)).traits.email).toBe(bob.email);
    });

    it("answers 403 in JSON for another person's request", async () => {
      const alice = await registerPerson();
      const bob = await registerPerson();
      const aliceRequest = await startProfile(alice.browser, server);
      const bobRequest = await startProfile(bob.browser, server);
      const bobToken = csrfTokenOf(await profileForm(bob.browser, server, bobRequest));

      const response = await bob.browser.request(
        `${server.publicUrl}/self-service/browser/flows/profile/update?request=${aliceRequest}`,
        {
          method: 'POST',
          json: { traits: { email: 'bob-took-over@example.com' } },
          headers: { 'x-csrf-token': bobToken, accept: 'application/json' },
        },
      );

      expect(response.status).toBe(403);
      expect(response.json().error.code).toBe(403);
      expect((await adminIdentity(server, alice.identityId)).traits.email).toBe(alice.email);
    });

    it.each([
      ['a missing request id', '', 400],
      ['a malformed request id', '?request=not-a-uuid', 400],
      ['an unknown request id', `?request=${UNKNOWN_ID}`, 404],
    ])('sends %s to the error page', async (_case, query, code) => {
      const person = await registerPerson();
      const id = await startProfile(person.browser, server);
      const token = csrfTokenOf(await profileForm(person.browser, server, id));

      const response = await person.browser.post(
        `${server.publicUrl}/self-service/browser/flows/profile/update${query}`,
        { csrf_token: token, 'traits.email': 'changed@example.com' },
      );

      expect((await storedError(person.browser, response)).code).toBe(code);
      expect((await adminIdentity(server, person.identityId)).traits.email).toBe(person.email);
    });

    it('shows invalid traits as field errors with the submitted values', async () => {
      const person = await registerPerson();
      const id = await startProfile(person.browser, server);
      await submitProfile(person.browser, server, id, { 'traits.email': person.email });
      expect((await getProfileAdmin(server, id)).update_successful).toBe(true);

      const response = await submitProfile(person.browser, server, id, {
        'traits.email': 'not-an-email',
      });

      expect(response.status).toBe(302);
      expect(response.location).toBe(`${server.publicUrl}/ui/profile?request=${id}`);
      const stored = await getProfileAdmin(server, id);
      expect(stored.update_successful).toBe(false);
      expect(fieldOf(stored.form, 'traits.email')).toEqual({
        name: 'traits.email',
        type: 'email',
        required: true,
        value: 'not-an-email',
        errors: [{ id: 'trait_invalid', message: "traits.email: Does not match format 'email'" }],
      });
      expect(stored.identity.traits.email).toBe(person.email);
      expect((await whoami(person.browser, server)).json().identity.traits.email).toBe(
        person.email,
      );
    });

    it('reports a required trait left empty', async () => {
      const person = await registerPerson();
      const id = await startProfile(person.browser, server);

      await submitProfile(person.browser, server, id, { 'traits.email': '' });

      const stored = await getProfileAdmin(server, id);
      expect(fieldOf(stored.form, 'traits.email')?.errors).toEqual([
        { id: 'trait_invalid', message: 'traits.email: email is required' },
      ]);
      expect(stored.identity.traits.email).toBe(person.email);
    });

    it('reports a submission without traits', async () => {
      const person = await registerPerson();
      const id = await startProfile(person.browser, server);

      const response = await submitProfile(person.browser, server, id, {});

      expect(response.location).toBe(`${server.publicUrl}/ui/profile?request=${id}`);
      const stored = await getProfileAdmin(server, id);
      expect(stored.form.errors).toEqual([
        { id: 'no_changes', message: 'Did not receive any value changes.' },
      ]);
      expect(stored.update_successful).toBe(false);
      expect(fieldOf(stored.form, 'traits.email')?.value).toBe(person.email);
    });

    it('reports an identifier that belongs to someone else', async () => {
      const person = await registerPerson();
      const other = await registerPerson();
      const id = await startProfile(person.browser, server);

      const response = await submitProfile(person.browser, server, id, {
        'traits.email': other.email.toUpperCase(),
      });

      expect(response.status).toBe(302);
      expect(response.location).toBe(`${server.publicUrl}/ui/profile?request=${id}`);
      const stored = await getProfileAdmin(server, id);
      expect(stored.form.errors).toEqual([
        {
          id: 'identifier_exists',
          message:
            'An account with the same identifier (email, phone, username, ...) exists already.',
        },
      ]);
      expect(fieldOf(stored.form, 'traits.email')?.value).toBe(other.email.toUpperCase());
      expect((await adminIdentity(server, person.identityId)).traits.email).toBe(person.email);
      expect((await login(new BrowserClient(), server, person.email, PASSWORD)).location).toBe(
        `${server.publicUrl}/ui/`,
      );
    });

    it('rejects removing the last login identifier', async () => {
      const person = await registerPerson();
      const moved = await fetch(`${server.adminUrl}/identities/${person.identityId}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ traits_schema_id: 'optional', traits: { email: person.email } }),
      });
      expect(moved.status).toBe(200);
      const id = await startProfile(person.browser, server);

      await submitProfile(person.browser, server, id, {
        'traits.email': '',
        'traits.nickname': 'ghost',
      });

      const stored = await getProfileAdmin(server, id);
      expect(stored.form.errors?.map((error: { id: string }) => error.id)).toEqual([
        'identifier_required',
      ]);
      expect((await adminIdentity(server, person.identityId)).traits).toEqual({
        email: person.email,
      });
      expect((await login(new BrowserClient(), server, person.email, PASSWORD)).location).toBe(
        `${server.publicUrl}/ui/`,
      );
    });

    it('reports an unsupported content type on the form', async () => {
      const person = await registerPerson();
      const id = await startProfile(person.browser, server);
      const form = await profileForm(person.browser, server, id);

      const response = await person.browser.request(form.action, {
        method: 'POST',
        body: 'traits.email=changed@example.com',
        headers: { 'content-type': 'text/plain', 'x-csrf-token': csrfTokenOf(form) },
      });

      expect(response.status).toBe(302);
      const stored = await getProfileAdmin(server, id);
      expect(stored.form.errors?.[0].message).toMatch(/Content-Type: text\/plain/);
      expect(stored.identity.traits.email).toBe(person.email);
    });

    it('reports traits that are not an object', async () => {
      const person = await registerPerson();
      const id = await startProfile(person.browser, server);

      const response = await submitProfileJson(person.browser, server, id, { traits: 'x' });

      expect(response.status).toBe(302);
      const stored = await getProfileAdmin(server, id);
      expect(stored.form.errors).toEqual([{ message: 'The traits must be a JSON object.' }]);
    });

    it('answers JSON clients with the error envelope', async () => {
      const person = await registerPerson();
      const id = await startProfile(person.browser, server);

      const response = await submitProfileJson(
        person.browser,
        server,
        id,
        { traits: { email: 'not-an-email' } },
        { accept: 'application/json' },
      );

      expect(response.status).toBe(400);
      const error = response.json().error;
      expect(error.reason).toBe("traits.email: Does not match format 'email'");
      expect(error.details).toEqual({
        'traits.email': ["traits.email: Does not match format 'email'"],
      });
      expect((await adminIdentity(server, person.identityId)).traits.email).toBe(person.email);
    });
  });

  describe('expired request', () => {
    let shortLived: TestServer;

    beforeAll(async () => {
      shortLived = await startGatehouse({
        database,
        config: { selfservice: { profile: { request_lifespan: '1s' } } },
      });
    });

    afterAll(async () => {
      await shortLived.stop();
    });

    it('shows the expiry on the form and changes nothing', async () => {
      const person = await registerPerson(shortLived);
      const id = await startProfile(person.browser, shortLived);
      const form = await profileForm(person.browser, shortLived, id);
      await new Promise((resolve) => setTimeout(resolve, 1500));

      const response = await person.browser.post(form.action, {
        csrf_token: csrfTokenOf(form),
        'traits.email': 'too-late@example.com',
      });

      expect(response.status).toBe(302);
      expect(response.location).toBe(`${shortLived.publicUrl}/ui/profile?request=${id}`);
      const stored = await getProfileAdmin(shortLived, id);
      expect(stored.form.errors).toEqual([
        {
          id: 'request_expired',
          message: expect.stringMatching(
            /^The profile request expired \d+\.\d\d minutes ago, please try again\.$/,
          ),
        },
      ]);
      expect(stored.update_successful).toBe(false);
      expect(fieldOf(stored.form, 'traits.email')).toEqual({
        name: 'traits.email',
        type: 'email',
        required: true,
        value: person.email,
      });
      expect((await adminIdentity(shortLived, person.identityId)).traits.email).toBe(person.email);
    });
  });
});
