import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import {
  admin,
  call,
  createIdentity,
  expectErrorEnvelope,
  listAllIdentities,
} from '../support/admin.js';
import { BrowserClient } from '../support/browser-client.js';
import { databaseKinds } from '../support/databases.js';
import { login, register, whoami } from '../support/flows.js';
import { dropTestDatabases, startGatehouse, type TestServer } from '../support/gatehouse.js';

// A second traits schema with several constrained traits, to check that every failing
// trait is reported.
const PROFILE_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  properties: {
    username: {
      type: 'string',
      minLength: 3,
      'ory.sh/kratos': { credentials: { password: { identifier: true } } },
    },
    age: { type: 'integer', minimum: 0 },
    website: { type: 'string', format: 'uri' },
  },
  required: ['username'],
  additionalProperties: false,
};

const BODY_LIMIT = 16 * 1024;

describe.each(databaseKinds())('admin identities API on %s', (database) => {
  let server: TestServer;
  let schemaDirectory: string;

  beforeAll(async () => {
    schemaDirectory = mkdtempSync(path.join(tmpdir(), 'gatehouse-schemas-'));
    const schemaFile = path.join(schemaDirectory, 'profile.schema.json');
    writeFileSync(schemaFile, JSON.stringify(PROFILE_SCHEMA));
    server = await startGatehouse({
      database,
      config: {
        serve: { body_limit: BODY_LIMIT },
        identity: { traits: { schemas: [{ id: 'profile', url: pathToFileURL(schemaFile).href }] } },
      },
    });
  });

  afterAll(async () => {
    await server.stop();
    await dropTestDatabases();
    rmSync(schemaDirectory, { recursive: true, force: true });
  });

  describe('create and read', () => {
    it('create returns 201, Location and Identity', async () => {
      const response = await admin(server, 'POST', '/identities', {
        json: {
          id: '00000000-0000-4000-8000-000000000001',
          traits: { email: 'create@example.com' },
        },
      });
      expect(response.status).toBe(201);
      expect(Object.keys(response.body).sort()).toEqual([
        'id',
        'traits',
        'traits_schema_id',
        'traits_schema_url',
      ]);
      expect(response.body.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(response.body.id).not.toBe('00000000-0000-4000-8000-000000000001');
      expect(response.body).toEqual({
        id: response.body.id,
        traits: { email: 'create@example.com' },
        traits_schema_id: 'default',
        traits_schema_url: `${server.publicUrl}/schemas/default`,
      });
      expect(response.headers.get('location')).toBe(
        `${server.adminUrl}/identities/${response.body.id}`,
      );

      const read = await call(response.headers.get('location')!, 'GET', '');
      expect(read.status).toBe(200);
      expect(read.body).toEqual(response.body);
    });

    it('responses never contain credentials', async () => {
      const browser = new BrowserClient();
      await register(browser, server, 'secretive@example.com', 'a long and private passphrase');
      const identity = (await whoami(browser, server)).json().identity;

      const read = await admin(server, 'GET', `/identities/${identity.id}`);
      expect(Object.keys(read.body).sort()).toEqual([
        'id',
        'traits',
        'traits_schema_id',
        'traits_schema_url',
      ]);
      const listed = (await listAllIdentities(server)).find((item) => item.id === identity.id);
      expect(Object.keys(listed).sort()).toEqual(Object.keys(read.body).sort());
      expect(JSON.stringify([read.body, listed])).not.toMatch(/argon2|hashed_password|passphrase/);
    });

    it('get and delete of unknown ids return 404', async () => {
      for (const id of ['8d1c4c1e-3a63-4c55-9d7e-6f0c8f0a2b11', 'not-a-uuid', '1%20OR%201=1']) {
        for (const method of ['GET', 'DELETE']) {
          const response = await admin(server, method, `/identities/${id}`);
          expectErrorEnvelope(response, 404);
          expect(response.body.error.message).toBe('Unable to locate the resource');
        }
      }
    });

    it('public listener does not serve identities', async () => {
      for (const [method, suffix] of [
        ['GET', ''],
        ['GET', '/8d1c4c1e-3a63-4c55-9d7e-6f0c8f0a2b11'],
      ]) {
        const response = await call(server.publicUrl, method, `/identities${suffix}`);
        expectErrorEnvelope(response, 404);
      }
      // Unsafe methods on the public listener meet the CSRF check first; they must not create anything.
      const before = (await listAllIdentities(server)).length;
      const post = await call(server.publicUrl, 'POST', '/identities', {
        json: { traits: { email: 'public@example.com' } },
      });
      expect(post.status).toBeGreaterThanOrEqual(400);
      expect(post.status).toBeLessThan(500);
      expect(post.body.error.code).toBe(post.status);
      expect(await listAllIdentities(server)).toHaveLength(before);
    });
  });

  describe('listing', () => {
    let created: string[];

    beforeAll(async () => {
      created = [];
      for (let index = 0; index < 7; index += 1) {
        created.push((await createIdentity(server, { email: `list${index}@example.com` })).id);
      }
    });

    it('list pages in stable order with Link', async () => {
      const everything = await listAllIdentities(server);
      const ids = everything.map((identity) => identity.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toEqual(expect.arrayContaining(created));
      // Identities created one after the other are listed in that order.
      expect(ids.filter((id) => created.includes(id))).toEqual(created);

      const pages: string[][] = [];
      for (let page = 1; ; page += 1) {
        const response = await admin(server, 'GET', `/identities?page=${page}&per_page=3`);
        expect(response.status).toBe(200);
        const link = response.headers.get('link') ?? '';
        expect(link).toContain(`<${server.adminUrl}/identities?page=1&per_page=3>; rel="first"`);
        if (page > 1) {
          expect(link).toContain(
            `<${server.adminUrl}/identities?page=${page - 1}&per_page=3>; rel="prev"`,
          );
        } else {
          expect(link).not.toContain('rel="prev"');
        }
        pages.push(response.body.map((identity: { id: string }) => identity.id));
        if (!link.includes('rel="next"')) {
          break;
        }
        expect(link).toContain(
          `<${server.adminUrl}/identities?page=${page + 1}&per_page=3>; rel="next"`,
        );
        expect(response.body).toHaveLength(3);
      }
      expect(pages.flat()).toEqual(ids);

      const again = await admin(server, 'GET', '/identities?page=2&per_page=3');
      expect(again.body.map((identity: { id: string }) => identity.id)).toEqual(pages[1]);

      const beyond = await admin(server, 'GET', `/identities?page=${pages.length + 5}&per_page=3`);
      expect(beyond.status).toBe(200);
      expect(beyond.body).toEqual([]);
    });

    it('list page size defaults to 100, max 500', async () => {
      const existing = (await listAllIdentities(server)).length;
      for (let index = existing; index < 101; index += 1) {
        await createIdentity(server, { email: `bulk${index}@example.com` });
      }
      const firstPage = await admin(server, 'GET', '/identities');
      expect(firstPage.body).toHaveLength(100);
      expect(firstPage.headers.get('link')).toContain(
        `<${server.adminUrl}/identities?page=2&per_page=100>; rel="next"`,
      );

      const large = await admin(server, 'GET', '/identities?per_page=100000');
      expect(large.status).toBe(200);
      expect(large.body.length).toBeGreaterThanOrEqual(101);
      expect(large.headers.get('link')).toContain('per_page=500>; rel="first"');
    });

    it('list rejects invalid page parameters', async () => {
      for (const query of ['page=0', 'page=-1', 'page=abc', 'per_page=0', 'per_page=1.5']) {
        const response = await admin(server, 'GET', `/identities?${query}`);
        expectErrorEnvelope(response, 400);
        expect(response.body.error.reason).toMatch(/page/);
      }
    });
  });

  describe('update', () => {
    it('update accepts the body that GET returned', async () => {
      const identity = await createIdentity(server, { email: 'roundtrip@example.com' });
      const read = await admin(server, 'GET', `/identities/${identity.id}`);

      const written = await admin(server, 'PUT', `/identities/${identity.id}`, { json: read.body });
      expect(written.status).toBe(200);
      expect(written.body).toEqual(read.body);
      expect((await admin(server, 'GET', `/identities/${identity.id}`)).body).toEqual(read.body);
    });

    it('update of identifier trait moves the login', async () => {
      const browser = new BrowserClient();
      await register(browser, server, 'before@example.com', 'correct horse battery staple');
      const { id } = (await whoami(browser, server)).json().identity;

      const read = await admin(server, 'GET', `/identities/${id}`);
      const changed = { ...read.body, traits: { email: 'After@Example.com' } };
      const written = await admin(server, 'PUT', `/identities/${id}`, { json: changed });
      expect(written.status).toBe(200);
      expect(written.body).toEqual(changed);
      expect((await admin(server, 'GET', `/identities/${id}`)).body).toEqual(changed);

      // The session survives; the password now goes with the new identifier only.
      expect((await whoami(browser, server)).json().identity.traits.email).toBe(
        'After@Example.com',
      );
      const withNew = new BrowserClient();
      expect(
        (await login(withNew, server, 'after@example.com', 'correct horse battery staple')).status,
      ).toBe(302);
      expect((await whoami(withNew, server)).json().identity.id).toBe(id);
      const withOld = new BrowserClient();
      await login(withOld, server, 'before@example.com', 'correct horse battery staple');
      expect((await whoami(withOld, server)).status).toBe(401);
    });

    it('update switches the traits schema', async () => {
      const identity = await createIdentity(server, { email: 'mover@example.com' });
      const moved = await admin(server, 'PUT', `/identities/${identity.id}`, {
        json: { traits: { username: 'mover', age: 30 }, traits_schema_id: 'profile' },
      });
      expect(moved.status).toBe(200);
      expect(moved.body).toEqual({
        id: identity.id,
        traits: { username: 'mover', age: 30 },
        traits_schema_id: 'profile',
        traits_schema_url: `${server.publicUrl}/schemas/profile`,
      });
      // The old identifier is free again.
      expect((await createIdentity(server, { email: 'mover@example.com' })).id).toBeDefined();
    });

    it('update of unknown ids returns 404', async () => {
      const before = await listAllIdentities(server);
      for (const id of ['8d1c4c1e-3a63-4c55-9d7e-6f0c8f0a2b11', 'nope']) {
        const response = await admin(server, 'PUT', `/identities/${id}`, {
          json: { traits: { email: `ghost-${id}@example.com` } },
        });
        expectErrorEnvelope(response, 404);
      }
      expect(await listAllIdentities(server)).toEqual(before);
    });

    it('update rejects a foreign traits_schema_url', async () => {
      const identity = await createIdentity(server, { email: 'url@example.com' });
      const response = await admin(server, 'PUT', `/identities/${identity.id}`, {
        json: { ...identity, traits_schema_url: `${server.publicUrl}/schemas/profile` },
      });
      expectErrorEnvelope(response, 400);
      expect(response.body.error.reason).toBe('Use the traits_schema_id to set a traits schema.');
      expect(Object.keys(response.body.error.details)).toEqual(['/traits_schema_url']);
      expect((await admin(server, 'GET', `/identities/${identity.id}`)).body).toEqual(identity);
    });
  });

  describe('identifier uniqueness', () => {
    it('create conflict names the identifier', async () => {
      await createIdentity(server, { email: 'taken@example.com' });
      const before = await listAllIdentities(server);
      const response = await admin(server, 'POST', '/identities', {
        json: { traits: { email: 'Taken@Example.com' } },
      });
      expectErrorEnvelope(response, 409);
      expect(response.body.error.reason).toContain('"taken@example.com"');
      expect(await listAllIdentities(server)).toEqual(before);
    });

    it('update conflict names the identifier', async () => {
      await createIdentity(server, { email: 'owner@example.com' });
      const other = await createIdentity(server, { email: 'other@example.com' });
      const response = await admin(server, 'PUT', `/identities/${other.id}`, {
        json: { traits: { email: 'OWNER@example.com' } },
      });
      expectErrorEnvelope(response, 409);
      expect(response.body.error.reason).toContain('"owner@example.com"');
      expect((await admin(server, 'GET', `/identities/${other.id}`)).body).toEqual(other);
      // The kept identifier still belongs to it.
      const clash = await admin(server, 'POST', '/identities', {
        json: { traits: { email: 'other@example.com' } },
      });
      expect(clash.status).toBe(409);
    });

    it('conflicts span traits schemas', async () => {
      await createIdentity(server, { username: 'shared' }, 'profile');
      const response = await admin(server, 'POST', '/identities', {
        json: { traits: { username: 'SHARED' }, traits_schema_id: 'profile' },
      });
      expectErrorEnvelope(response, 409);
      expect(response.body.error.reason).toContain('"shared"');
    });
  });

  describe('delete', () => {
    it('delete returns 204 and ends sessions', async () => {
      const browser = new BrowserClient();
      await register(browser, server, 'leaving@example.com', 'so long and thanks for all');
      const { id } = (await whoami(browser, server)).json().identity;
      const second = new BrowserClient();
      await login(second, server, 'leaving@example.com', 'so long and thanks for all');
      expect((await whoami(second, server)).status).toBe(200);

      const deleted = await admin(server, 'DELETE', `/identities/${id}`);
      expect(deleted.status).toBe(204);
      expect(deleted.text).toBe('');

      expect((await whoami(browser, server)).status).toBe(401);
      expect((await whoami(second, server)).status).toBe(401);
      expectErrorEnvelope(await admin(server, 'GET', `/identities/${id}`), 404);
      expectErrorEnvelope(await admin(server, 'DELETE', `/identities/${id}`), 404);
      // The identifier is free for a new identity.
      expect((await createIdentity(server, { email: 'leaving@example.com' })).id).not.toBe(id);
    });
  });

  describe('traits validation', () => {
    it('details name every failing pointer', async () => {
      const response = await admin(server, 'POST', '/identities', {
        json: {
          traits: { username: 'x', age: -3, website: 'not a url', colour: 'blue' },
          traits_schema_id: 'profile',
        },
      });
      expectErrorEnvelope(response, 400);
      expect(response.body.error.details).toEqual({
        '/traits/username': ['String length must be greater than or equal to 3'],
        '/traits/age': ['Must be greater than or equal to 0'],
        '/traits/website': ["Does not match format 'uri'"],
        '/traits': ['Additional property colour is not allowed'],
      });
      // The reason repeats one of them, as ORY Kratos clients show it.
      const messages = Object.values(response.body.error.details as Record<string, string[]>)
        .flat()
        .map((message) => message.charAt(0).toLowerCase() + message.slice(1));
      expect(messages).toContain(response.body.error.reason);
    });

    it('missing and mistyped traits', async () => {
      const missing = await admin(server, 'POST', '/identities', { json: { traits: {} } });
      expectErrorEnvelope(missing, 400);
      expect(missing.body.error.details).toEqual({ '/traits/email': ['email is required'] });

      const mistyped = await admin(server, 'POST', '/identities', {
        json: { traits: { email: 42 } },
      });
      expectErrorEnvelope(mistyped, 400);
      expect(mistyped.body.error.details).toEqual({
        '/traits/email': ['Invalid type. Expected: string, given: integer'],
      });
    });

    it('update validates traits', async () => {
      const identity = await createIdentity(server, { email: 'valid@example.com' });
      const response = await admin(server, 'PUT', `/identities/${identity.id}`, {
        json: { traits: { email: 'not an email' } },
      });
      expectErrorEnvelope(response, 400);
      expect(response.body.error.details).toEqual({
        '/traits/email': ["Does not match format 'email'"],
      });
      expect((await admin(server, 'GET', `/identities/${identity.id}`)).body).toEqual(identity);
    });
  });

  describe('bad input', () => {
    const validBody = () => ({ traits: { email: `bad-input-${Math.random()}@example.com` } });
    const cases: [string, () => Parameters<typeof admin>[3], number, RegExp][] = [
      [
        'malformed JSON',
        () => ({ body: '{"traits": {"email": ', headers: { 'content-type': 'application/json' } }),
        400,
        /not valid JSON/,
      ],
      [
        'an empty body',
        () => ({ body: '', headers: { 'content-type': 'application/json' } }),
        400,
        /empty/,
      ],
      ['a JSON array', () => ({ json: [validBody()] }), 400, /JSON object, but is an array/],
      ['a JSON string', () => ({ json: 'traits' }), 400, /not valid JSON/],
      [
        'a form instead of JSON',
        () => ({
          body: 'traits.email=form@example.com',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        }),
        415,
        /application\/json/,
      ],
      [
        'a text body',
        () => ({ body: JSON.stringify(validBody()), headers: { 'content-type': 'text/plain' } }),
        415,
        /text\/plain/,
      ],
      [
        'a body over the size limit',
        () => ({ json: { traits: { email: 'big@example.com', padding: 'x'.repeat(BODY_LIMIT) } } }),
        413,
        /limit/,
      ],
      [
        'an unknown schema',
        () => ({ json: { ...validBody(), traits_schema_id: 'no-such-schema' } }),
        400,
        /"no-such-schema".*could not be found/,
      ],
      [
        'traits that are an array',
        () => ({ json: { traits: ['a@example.com'] } }),
        400,
        /traits must be a JSON object, but is an array/,
      ],
      [
        'traits that are a string',
        () => ({ json: { traits: 'a@example.com' } }),
        400,
        /traits must be a JSON object, but is a string/,
      ],
      ['traits that are null', () => ({ json: { traits: null } }), 400, /but is null/],
      [
        'a NUL character in traits',
        () => ({ json: { traits: { email: 'nul\u0000@example.com' } } }),
        400,
        /NUL character/,
      ],
      [
        'credentials',
        () => ({ json: { ...validBody(), credentials: { password: { config: {} } } } }),
        400,
        /credentials cannot be set/,
      ],
      [
        'a traits_schema_url of another schema',
        () => ({ json: { ...validBody(), traits_schema_url: 'http://attacker.example/schema' } }),
        400,
        /traits_schema_id/,
      ],
      [
        'deep nesting',
        () => ({
          body: `{"traits": {"email": "deep@example.com", "x": ${'['.repeat(5000)}${']'.repeat(5000)}}}`,
          headers: { 'content-type': 'application/json' },
        }),
        400,
        /nested deeper/,
      ],
    ];

    it.each(cases)('%s is rejected, nothing stored', async (_name, options, status, reason) => {
      const target = await createIdentity(server, {
        email: `target-${Math.random()}@example.com`,
      });
      const before = await listAllIdentities(server);
      for (const [method, path] of [
        ['POST', '/identities'],
        ['PUT', `/identities/${target.id}`],
      ]) {
        const response = await admin(server, method, path, options());
        expectErrorEnvelope(response, status);
        expect(response.body.error.reason).toMatch(reason);
      }
      expect(await listAllIdentities(server)).toEqual(before);
    });

    it('X-Request-ID is echoed in errors', async () => {
      const response = await admin(server, 'GET', '/identities/not-a-uuid', {
        headers: { 'x-request-id': 'admin-test-4711' },
      });
      expectErrorEnvelope(response, 404);
      expect(response.headers.get('x-request-id')).toBe('admin-test-4711');
      expect(response.body.error.request).toBe('admin-test-4711');
    });
  });
});
