import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { BrowserClient } from '../support/browser-client.js';
import { databaseKinds } from '../support/databases.js';
import {
  csrfTokenOf,
  fieldOf,
  formMessages,
  passwordForm,
  registerWith,
  startFlow,
  whoami,
} from '../support/flows.js';
import { dropTestDatabases, startGatehouse, type TestServer } from '../support/gatehouse.js';

const PASSWORD = 'difference engine 1822';

/** A schema with every kind of leaf a form can edit. */
const PERSON_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  properties: {
    email: {
      type: 'string',
      format: 'email',
      'ory.sh/kratos': { credentials: { password: { identifier: true } } },
    },
    username: {
      type: 'string',
      pattern: '^[a-z0-9_]{3,16}$',
      'ory.sh/kratos': { credentials: { password: { identifier: true } } },
    },
    name: {
      type: 'object',
      properties: {
        first: { type: 'string', minLength: 1 },
        last: { type: 'string' },
      },
      required: ['first'],
    },
    age: { type: 'integer', minimum: 0 },
    height: { type: 'number' },
    newsletter: { type: 'boolean' },
    website: { type: 'string', format: 'uri' },
    birthday: { type: 'string', format: 'date' },
    tags: { type: 'array', items: { type: 'string' } },
    lucky_numbers: { type: 'array', items: { type: 'integer' } },
  },
  required: ['email', 'name'],
  additionalProperties: false,
};

describe.each(databaseKinds())('traits form with a custom schema on %s', (database) => {
  let server: TestServer;
  let schemaDirectory: string;

  beforeAll(async () => {
    schemaDirectory = mkdtempSync(path.join(tmpdir(), 'gatehouse-schema-'));
    const schemaFile = path.join(schemaDirectory, 'person.schema.json');
    writeFileSync(schemaFile, JSON.stringify(PERSON_SCHEMA));
    server = await startGatehouse({
      database,
      config: { identity: { traits: { default_schema_url: pathToFileURL(schemaFile).href } } },
    });
  });

  afterAll(async () => {
    await server.stop();
    await dropTestDatabases();
    rmSync(schemaDirectory, { recursive: true, force: true });
  });

  it('builds typed fields in schema order', async () => {
    const form = await passwordForm(
      server,
      'registration',
      await startFlow(new BrowserClient(), server, 'registration'),
    );

    expect(form.fields.map((field) => [field.name, field.type])).toEqual([
      ['csrf_token', 'hidden'],
      ['password', 'password'],
      ['traits.email', 'email'],
      ['traits.username', 'text'],
      ['traits.name.first', 'text'],
      ['traits.name.last', 'text'],
      ['traits.age', 'number'],
      ['traits.height', 'number'],
      ['traits.newsletter', 'checkbox'],
      ['traits.website', 'url'],
      ['traits.birthday', 'date'],
      ['traits.tags', 'text'],
      ['traits.lucky_numbers', 'text'],
    ]);
    expect(fieldOf(form, 'traits.username')?.pattern).toBe('^[a-z0-9_]{3,16}$');
    expect(fieldOf(form, 'traits.email')?.required).toBe(true);
    expect(fieldOf(form, 'traits.name.first')?.required).toBe(true);
    expect(fieldOf(form, 'traits.name.last')?.required).toBeUndefined();
    expect(fieldOf(form, 'traits.age')?.required).toBeUndefined();
  });

  it('converts form values to the schema types', async () => {
    const browser = new BrowserClient();
    const { response } = await registerWith(browser, server, {
      'traits.email': 'Ada@Example.com',
      'traits.username': 'ada_l',
      'traits.name.first': 'Ada',
      'traits.name.last': 'Lovelace',
      'traits.age': '36',
      'traits.height': '1.65',
      // A hidden false followed by a ticked checkbox's true, as the built-in pages send it.
      'traits.newsletter': ['false', 'true'],
      'traits.website': 'https://example.com/ada',
      'traits.birthday': '1815-12-10',
      'traits.tags': ['math', 'poetry'],
      'traits.lucky_numbers': ['7', '42'],
      password: PASSWORD,
    });

    expect(response.status).toBe(302);
    expect(response.location).toBe(`${server.publicUrl}/ui/`);
    expect((await whoami(browser, server)).json().identity.traits).toEqual({
      email: 'Ada@Example.com',
      username: 'ada_l',
      name: { first: 'Ada', last: 'Lovelace' },
      age: 36,
      height: 1.65,
      newsletter: true,
      website: 'https://example.com/ada',
      birthday: '1815-12-10',
      tags: ['math', 'poetry'],
      lucky_numbers: [7, 42],
    });
  });

  it('reads an unticked checkbox as false', async () => {
    const browser = new BrowserClient();
    await registerWith(browser, server, {
      'traits.email': 'unticked@example.com',
      'traits.name.first': 'Grace',
      'traits.newsletter': 'false',
      password: PASSWORD,
    });

    expect((await whoami(browser, server)).json().identity.traits).toEqual({
      email: 'unticked@example.com',
      name: { first: 'Grace' },
      newsletter: false,
    });
  });

  it('leaves out empty optional fields', async () => {
    const browser = new BrowserClient();
    await registerWith(browser, server, {
      'traits.email': 'sparse@example.com',
      'traits.name.first': 'Edsger',
      'traits.name.last': '',
      'traits.age': '',
      password: PASSWORD,
    });

    expect((await whoami(browser, server)).json().identity.traits).toEqual({
      email: 'sparse@example.com',
      name: { first: 'Edsger' },
    });
  });

  it('converts dotted JSON names and keeps JSON types', async () => {
    const browser = new BrowserClient();
    const id = await startFlow(browser, server, 'registration');
    const form = await passwordForm(server, 'registration', id);
    const response = await browser.request(form.action, {
      json: {
        csrf_token: csrfTokenOf(form),
        password: PASSWORD,
        'traits.email': 'dotted-json@example.com',
        'traits.name.first': 'Barbara',
        'traits.age': '81',
        'traits.newsletter': true,
      },
    });

    expect(response.status).toBe(302);
    expect((await whoami(browser, server)).json().identity.traits).toEqual({
      email: 'dotted-json@example.com',
      name: { first: 'Barbara' },
      age: 81,
      newsletter: true,
    });
  });

  it('reports values that do not convert', async () => {
    const browser = new BrowserClient();
    const { id, response } = await registerWith(browser, server, {
      'traits.email': 'typo@example.com',
      'traits.name.first': 'Alan',
      'traits.age': 'thirty',
      'traits.newsletter': 'maybe',
      'traits.username': 'No Spaces Allowed',
      password: PASSWORD,
    });

    expect(response.location).toBe(`${server.publicUrl}/ui/registration?request=${id}`);
    const form = await passwordForm(server, 'registration', id);
    expect(formMessages(form).fields).toEqual({
      'traits.age': ['traits.age: Invalid type. Expected: integer, given: string'],
      'traits.newsletter': ['traits.newsletter: Invalid type. Expected: boolean, given: string'],
      'traits.username': ["traits.username: Does not match pattern '^[a-z0-9_]{3,16}$'"],
    });
    expect(fieldOf(form, 'traits.age')?.value).toBe('thirty');
    expect(fieldOf(form, 'traits.name.first')?.value).toBe('Alan');
    expect(fieldOf(form, 'traits.age')?.type).toBe('number');
  });

  it('reports a missing nested required trait', async () => {
    const browser = new BrowserClient();
    const { id } = await registerWith(browser, server, {
      'traits.email': 'nameless@example.com',
      'traits.name.first': '',
      password: PASSWORD,
    });
    const form = await passwordForm(server, 'registration', id);

    expect(formMessages(form).fields).toEqual({
      'traits.name.first': ['traits.name.first: first is required'],
    });
    expect(fieldOf(form, 'traits.name')).toBeUndefined();
  });

  it('reports a mistyped JSON group on the form', async () => {
    const browser = new BrowserClient();
    const id = await startFlow(browser, server, 'registration');
    const form = await passwordForm(server, 'registration', id);
    await browser.request(form.action, {
      json: {
        csrf_token: csrfTokenOf(form),
        password: PASSWORD,
        traits: { email: 'group@example.com', name: 'Ada' },
      },
    });
    const failed = await passwordForm(server, 'registration', id);

    expect(formMessages(failed).form).toEqual([
      'traits.name: Invalid type. Expected: object, given: string',
    ]);
    expect(fieldOf(failed, 'traits.name')).toBeUndefined();
  });

  it('refills numbers and booleans typed', async () => {
    const browser = new BrowserClient();
    const { id } = await registerWith(browser, server, {
      'traits.email': 'typed-values@example.com',
      'traits.name.first': 'Frances',
      'traits.age': '44',
      'traits.newsletter': 'true',
      'traits.tags': ['math', 'poetry'],
      password: 'short',
    });
    const form = await passwordForm(server, 'registration', id);

    expect(fieldOf(form, 'traits.age')?.value).toBe(44);
    expect(fieldOf(form, 'traits.newsletter')?.value).toBe(true);
    expect(fieldOf(form, 'traits.tags')?.value).toEqual(['math', 'poetry']);
    expect(form.fields.filter((field) => field.name.startsWith('traits.tags.'))).toEqual([]);
    expect(fieldOf(form, 'password')?.errors).toHaveLength(1);
  });

  it('makes every marked trait a login identifier', async () => {
    await registerWith(new BrowserClient(), server, {
      'traits.email': 'two-ids@example.com',
      'traits.username': 'two_ids',
      'traits.name.first': 'Radia',
      password: PASSWORD,
    });

    for (const identifier of ['TWO-IDS@example.com', 'two_ids']) {
      const browser = new BrowserClient();
      const id = await startFlow(browser, server, 'login');
      const form = await passwordForm(server, 'login', id);
      const response = await browser.post(form.action, {
        csrf_token: csrfTokenOf(form),
        identifier,
        password: PASSWORD,
      });
      expect(response.location).toBe(`${server.publicUrl}/ui/`);
    }
  });

  it('rejects a username taken by another identity', async () => {
    await registerWith(new BrowserClient(), server, {
      'traits.email': 'first-owner@example.com',
      'traits.username': 'shared_name',
      'traits.name.first': 'Hedy',
      password: PASSWORD,
    });
    const { id } = await registerWith(new BrowserClient(), server, {
      'traits.email': 'second-owner@example.com',
      'traits.username': 'shared_name',
      'traits.name.first': 'Hedy',
      password: PASSWORD,
    });

    expect(
      (await passwordForm(server, 'registration', id)).errors?.map((error) => error.id),
    ).toEqual(['identifier_exists']);
  });
});
