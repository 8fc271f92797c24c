import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { BrowserClient } from '../support/browser-client.js';
import { databaseKinds } from '../support/databases.js';
import {
  fieldOf,
  login,
  passwordForm,
  register,
  whoami,
  type FormPayload,
} from '../support/flows.js';
import { dropTestDatabases, startGatehouse, type TestServer } from '../support/gatehouse.js';
import {
  adminIdentity,
  getProfileAdmin,
  getProfilePublic,
  PROFILE_INIT,
  profileForm,
  startProfile,
  submitProfile,
  submitProfileJson,
} from '../support/profile.js';

const IDENTIFIER = { 'ory.sh/kratos': { credentials: { password: { identifier: true } } } };

/** A schema with every kind of leaf a profile form has to show. */
const PERSON_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  properties: {
    email: { type: 'string', format: 'email', ...IDENTIFIER },
    name: {
      type: 'object',
      properties: { first: { type: 'string' }, last: { type: 'string', pattern: '^[A-Z]' } },
    },
    age: { type: 'integer', minimum: 0 },
    newsletter: { type: 'boolean' },
    website: { type: 'string', format: 'uri' },
    tags: { type: 'array', items: { type: 'string' } },
    addresses: {
      type: 'array',
      items: { type: 'object', properties: { city: { type: 'string' }, zip: { type: 'string' } } },
    },
    preferences: { type: 'object' },
  },
  required: ['email'],
  additionalProperties: false,
};

/** A second schema, with a username as a second login identifier. */
const MEMBER_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  properties: {
    email: { type: 'string', format: 'email', ...IDENTIFIER },
    username: { type: 'string', minLength: 3, ...IDENTIFIER },
  },
  required: ['email', 'username'],
};

const PASSWORD = 'correct horse battery staple';

/** Builds the body a browser sends for a form as the built-in pages render it. */
function renderedBody(form: FormPayload): Record<string, string | string[]> {
  const body: Record<string, string | string[]> = {};
  for (const field of form.fields) {
    if (field.name === 'csrf_token') {
      continue;
    }
    if (field.type === 'checkbox') {
      body[field.name] = field.value === true ? ['false', 'true'] : ['false'];
    } else {
      const value = field.value;
      body[field.name] =
        value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
    }
  }

  return body;
}

describe.each(databaseKinds())('profile management flow on %s', (database) => {
  let server: TestServer;
  let schemaDirectory: string;

  beforeAll(async () => {
    schemaDirectory = mkdtempSync(path.join(tmpdir(), 'gatehouse-profile-schemas-'));
    const personSchema = path.join(schemaDirectory, 'person.schema.json');
    const memberSchema = path.join(schemaDirectory, 'member.schema.json');
    writeFileSync(personSchema, JSON.stringify(PERSON_SCHEMA));
    writeFileSync(memberSchema, JSON.stringify(MEMBER_SCHEMA));
    server = await startGatehouse({
      database,
      config: {
        identity: {
          traits: {
            default_schema_url: pathToFileURL(personSchema).href,
            schemas: [{ id: 'member', url: pathToFileURL(memberSchema).href }],
          },
        },
      },
    });
  });

  afterAll(async () => {
    await server.stop();
    await dropTestDatabases();
    rmSync(schemaDirectory, { recursive: true, force: true });
  });

  /** Registers a person and gives them traits of every kind through the admin API. */
  async function registerPerson(email: string): Promise<{ browser: BrowserClient; id: string }> {
    const browser = new BrowserClient();
    expect((await register(browser, server, email, PASSWORD)).status).toBe(302);
    const id = (await whoami(browser, server)).json().identity.id as string;
    const traits = {
      email,
      name: { first: 'Ada', last: 'Lovelace' },
      age: 36,
      newsletter: true,
      tags: ['math', 'poetry'],
      addresses: [{ city: 'London', zip: 'W1' }],
      preferences: { theme: 'dark' },
    };
    const updated = await fetch(`${server.adminUrl}/identities/${id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ traits, traits_schema_id: 'default' }),
    });
    expect(updated.status).toBe(200);

    return { browser, id };
  }

  it('init redirects a signed-in browser to the profile page with a new request', async () => {
    const { browser } = await registerPerson('init@example.com');

    const response = await browser.get(`${server.publicUrl}${PROFILE_INIT}`);

    expect(response.status).toBe(302);
    const location = new URL(response.location!);
    expect(`${location.origin}${location.pathname}`).toBe(`${server.publicUrl}/ui/profile`);
    expect(location.searchParams.get('request')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('public getter returns the request with identity, typed form and timestamps', async () => {
    const { browser, id: identityId } = await registerPerson('getter@example.com');
    const before = Date.now();
    const id = await startProfile(browser, server);

    const response = await getProfilePublic(browser, server, id);

    expect(response.status).toBe(200);
    const body = response.json();
    expect(Object.keys(body).sort()).toEqual([
      'expires_at',
      'form',
      'id',
      'identity',
      'issued_at',
      'request_url',
      'update_successful',
    ]);
    expect(body.id).toBe(id);
    expect(body.request_url).toBe(`${server.publicUrl}${PROFILE_INIT}`);
    expect(body.update_successful).toBe(false);
    const issuedAt = Date.parse(body.issued_at);
    expect(issuedAt).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(body.expires_at) - issuedAt).toBe(3600_000);
    expect(body.identity).toEqual({
      id: identityId,
      traits_schema_id: 'default',
      traits_schema_url: `${server.publicUrl}/schemas/default`,
      traits: expect.objectContaining({ email: 'getter@example.com' }),
    });
    expect(body.form.action).toBe(
      `${server.publicUrl}/self-service/browser/flows/profile/update?request=${id}`,
    );
    expect(body.form.method).toBe('POST');
    expect(body.form.errors).toBeUndefined();
    expect(body.form.fields).toEqual([
      { name: 'csrf_token', type: 'hidden', required: true, value: expect.any(String) },
      { name: 'traits.email', type: 'email', required: true, value: 'getter@example.com' },
      { name: 'traits.name.first', type: 'text', value: 'Ada' },
      { name: 'traits.name.last', type: 'text', pattern: '^[A-Z]', value: 'Lovelace' },
      { name: 'traits.age', type: 'number', value: 36 },
      { name: 'traits.newsletter', type: 'checkbox', value: true },
      { name: 'traits.website', type: 'url' },
      { name: 'traits.tags.0', type: 'text', value: 'math' },
      { name: 'traits.tags.1', type: 'text', value: 'poetry' },
      { name: 'traits.tags', type: 'text' },
      { name: 'traits.addresses.0.city', type: 'text', value: 'London' },
      { name: 'traits.addresses.0.zip', type: 'text', value: 'W1' },
    ]);
  });

  it('public getter gives every read a fresh CSRF token', async () => {
    const { browser } = await registerPerson('fresh-token@example.com');
    const id = await startProfile(browser, server);

    const first = fieldOf(await profileForm(browser, server, id), 'csrf_token')?.value;
    const second = fieldOf(await profileForm(browser, server, id), 'csrf_token')?.value;

    expect(typeof first).toBe('string');
    expect(second).not.toBe(first);
  });

  it('admin getter returns the stored CSRF token', async () => {
    const { browser } = await registerPerson('admin-getter@example.com');
    const id = await startProfile(browser, server);

    const body = await getProfileAdmin(server, id);
    const publicBody = (await getProfilePublic(browser, server, id)).json();

    expect(body.id).toBe(id);
    expect(body.identity.traits_schema_url).toBe(`${server.publicUrl}/schemas/default`);
    const strip = (form: FormPayload) => form.fields.filter((field) => field.name !== 'csrf_token');
    expect(strip(body.form)).toEqual(strip(publicBody.form));
    const token = fieldOf(body.form, 'csrf_token')?.value as string;
    expect(token.length).toBeGreaterThan(0);
    // The stored token works for the owning browser, as a UI rendering through the admin API needs.
    const response = await browser.post(body.form.action, {
      csrf_token: token,
      'traits.email': 'admin-getter@example.com',
      'traits.name.first': 'Augusta',
    });
    expect(response.status).toBe(302);
    expect((await getProfileAdmin(server, id)).update_successful).toBe(true);
  });

  it('init without a session logs in first and then returns to profile management', async () => {
    await register(new BrowserClient(), server, 'returning@example.com', PASSWORD);
    const browser = new BrowserClient();

    const init = await browser.get(`${server.publicUrl}${PROFILE_INIT}`);
    expect(init.status).toBe(302);
    const loginStart = new URL(init.location!);
    expect(`${loginStart.origin}${loginStart.pathname}`).toBe(
      `${server.publicUrl}/self-service/browser/flows/login`,
    );
    expect(loginStart.searchParams.get('return_to')).toBe(`${server.publicUrl}${PROFILE_INIT}`);

    const loginPage = await browser.get(init.location!);
    expect(loginPage.status).toBe(302);
    const loginId = new URL(loginPage.location!).searchParams.get('request')!;
    const loginForm = await passwordForm(server, 'login', loginId);
    const loggedIn = await browser.post(loginForm.action, {
      csrf_token: String(fieldOf(loginForm, 'csrf_token')?.value),
      identifier: 'returning@example.com',
      password: PASSWORD,
    });
    expect(loggedIn.status).toBe(302);
    expect(loggedIn.location).toBe(`${server.publicUrl}${PROFILE_INIT}`);

    const profile = await browser.get(loggedIn.location!);
    expect(profile.status).toBe(302);
    expect(profile.location).toMatch(new RegExp(`^${server.publicUrl}/ui/profile\\?request=`));
  });

  it('login still rejects a return_to on another host or port', async () => {
    const browser = new BrowserClient();
    const otherPort = `http://127.0.0.1:${Number(new URL(server.publicUrl).port) + 1}/`;

    for (const target of ['http://evil.example/', otherPort, `//evil.example${PROFILE_INIT}`]) {
      const response = await browser.get(
        `${server.publicUrl}/self-service/browser/flows/login?return_to=${encodeURIComponent(target)}`,
      );
      expect(response.status).toBe(302);
      expect(response.location).toMatch(new RegExp(`^${server.publicUrl}/ui/error\\?error=`));
    }
  });

  it('form submission as rendered keeps every trait unchanged', async () => {
    const { browser, id: identityId } = await registerPerson('roundtrip@example.com');
    const before = (await adminIdentity(server, identityId)).traits;
    const id = await startProfile(browser, server);

    const response = await submitProfile(
      browser,
      server,
      id,
      renderedBody(await profileForm(browser, server, id)),
    );

    expect(response.status).toBe(302);
    expect(response.location).toBe(`${server.publicUrl}/ui/profile?request=${id}`);
    expect((await getProfileAdmin(server, id)).update_successful).toBe(true);
    expect((await adminIdentity(server, identityId)).traits).toEqual(before);
  });

  it('form submission stores edited traits with their schema types', async () => {
    const { browser, id: identityId } = await registerPerson('edit@example.com');
    const id = await startProfile(browser, server);
    const body = renderedBody(await profileForm(browser, server, id));

    const response = await submitProfile(browser, server, id, {
      ...body,
      'traits.name.first': 'Augusta Ada',
      'traits.age': '37',
      'traits.newsletter': ['false'],
      'traits.website': 'https://example.com/ada',
      'traits.tags.1': '',
      'traits.tags': 'engines',
      'traits.addresses.0.city': 'Marylebone',
    });

    expect(response.status).toBe(302);
    expect(response.location).toBe(`${server.publicUrl}/ui/profile?request=${id}`);
    const expected = {
      email: 'edit@example.com',
      name: { first: 'Augusta Ada', last: 'Lovelace' },
      age: 37,
      newsletter: false,
      website: 'https://example.com/ada',
      tags: ['math', 'engines'],
      addresses: [{ city: 'Marylebone', zip: 'W1' }],
      preferences: { theme: 'dark' },
    };
    expect((await adminIdentity(server, identityId)).traits).toEqual(expected);
    expect((await whoami(browser, server)).json().identity.traits).toEqual(expected);
    const stored = await getProfileAdmin(server, id);
    expect(stored.update_successful).toBe(true);
    expect(stored.identity.traits).toEqual(expected);
    expect(fieldOf(stored.form, 'traits.age')).toEqual({
      name: 'traits.age',
      type: 'number',
      value: 37,
    });
    expect(fieldOf(stored.form, 'traits.tags.1')?.value).toBe('engines');
    expect(stored.form.fields.every((field: { errors?: unknown }) => !field.errors)).toBe(true);
  });

  it('form submission removes an optional trait left empty', async () => {
    const { browser, id: identityId } = await registerPerson('clear@example.com');
    const id = await startProfile(browser, server);
    const body = renderedBody(await profileForm(browser, server, id));

    await submitProfile(browser, server, id, { ...body, 'traits.name.first': '' });

    expect((await adminIdentity(server, identityId)).traits.name).toEqual({ last: 'Lovelace' });
  });

  it('JSON submission replaces all traits with the traits object', async () => {
    const { browser, id: identityId } = await registerPerson('json@example.com');
    const id = await startProfile(browser, server);
    const traits = { email: 'json@example.com', age: 40, tags: ['a', 'b'] };

    const response = await submitProfileJson(browser, server, id, { traits });

    expect(response.status).toBe(302);
    expect(response.location).toBe(`${server.publicUrl}/ui/profile?request=${id}`);
    expect((await adminIdentity(server, identityId)).traits).toEqual(traits);
    expect((await getProfileAdmin(server, id)).update_successful).toBe(true);
  });

  it('changed email becomes the login identifier at once', async () => {
    const { browser, id: identityId } = await registerPerson('old-address@example.com');
    const id = await startProfile(browser, server);
    const body = renderedBody(await profileForm(browser, server, id));

    const response = await submitProfile(browser, server, id, {
      ...body,
      'traits.email': 'New-Address@Example.com',
    });
    expect(response.status).toBe(302);
    expect((await getProfileAdmin(server, id)).update_successful).toBe(true);
    expect((await whoami(browser, server)).json().identity.traits.email).toBe(
      'New-Address@Example.com',
    );

    const stranger = new BrowserClient();
    const withOld = await login(stranger, server, 'old-address@example.com', PASSWORD);
    expect(withOld.location).toMatch(/\/ui\/login\?request=/);
    const withNew = await login(stranger, server, 'new-address@example.com', PASSWORD);
    expect(withNew.location).toBe(`${server.publicUrl}/ui/`);
    expect((await whoami(stranger, server)).json().identity.id).toBe(identityId);
    // The old address is free again.
    const newcomer = await register(
      new BrowserClient(),
      server,
      'old-address@example.com',
      PASSWORD,
    );
    expect(newcomer.location).toBe(`${server.publicUrl}/ui/`);
  });

  it('identity with another schema edits the traits of that schema', async () => {
    const browser = new BrowserClient();
    await register(browser, server, 'member@example.com', PASSWORD);
    const identityId = (await whoami(browser, server)).json().identity.id as string;
    const moved = await fetch(`${server.adminUrl}/identities/${identityId}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        traits_schema_id: 'member',
        traits: { email: 'member@example.com', username: 'ada' },
      }),
    });
    expect(moved.status).toBe(200);
    const id = await startProfile(browser, server);

    const form = await profileForm(browser, server, id);
    expect(form.fields.map((field) => [field.name, field.type, field.value])).toEqual([
      ['csrf_token', 'hidden', expect.any(String)],
      ['traits.email', 'email', 'member@example.com'],
      ['traits.username', 'text', 'ada'],
    ]);
    const body = (await getProfilePublic(browser, server, id)).json();
    expect(body.identity.traits_schema_url).toBe(`${server.publicUrl}/schemas/member`);

    await submitProfile(browser, server, id, {
      'traits.email': 'member@example.com',
      'traits.username': 'Countess',
    });
    expect((await getProfileAdmin(server, id)).update_successful).toBe(true);
    const stranger = new BrowserClient();
    expect((await login(stranger, server, 'countess', PASSWORD)).location).toBe(
      `${server.publicUrl}/ui/`,
    );
    expect((await login(new BrowserClient(), server, 'ada', PASSWORD)).location).toMatch(
      /\/ui\/login\?request=/,
    );
  });

  it('logs no email addresses of profile updates', async () => {
    const { browser } = await registerPerson('private-before@example.com');
    const id = await startProfile(browser, server);
    const body = renderedBody(await profileForm(browser, server, id));

    await submitProfile(browser, server, id, {
      ...body,
      'traits.email': 'private-after@example.com',
    });

    expect(server.logs.some((line) => line.includes('Profile updated'))).toBe(true);
    expect(server.logs.join('\n')).not.toMatch(/private-(before|after)@example\.com/);
  });
});
