import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { BrowserClient } from '../support/browser-client.js';
import { databaseKinds } from '../support/databases.js';
import {
  csrfTokenOf,
  errorIdOf,
  fetchErrorAdmin,
  listIdentities,
  passwordForm,
  registerWith,
  startFlow,
} from '../support/flows.js';
import { dropTestDatabases, startGatehouse, type TestServer } from '../support/gatehouse.js';

const FORBIDDEN_REASON = 'A request failed due to a missing or invalid csrf_token value.';

describe.each(databaseKinds())('self-service errors on %s', (database) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startGatehouse({ database });
  });

  afterAll(async () => {
    await server.stop();
    await dropTestDatabases();
  });

  /** Makes the browser hit an error that no form can show, and returns the stored error's id. */
  async function causeError(browser: BrowserClient): Promise<string> {
    const form = await passwordForm(server, 'login', await startFlow(browser, server, 'login'));
    const response = await browser.post(
      `${server.publicUrl}/self-service/browser/flows/login/strategies/password?request=${randomUUID()}`,
      { csrf_token: csrfTokenOf(form), identifier: 'a@example.com', password: 'whatever123' },
    );
    expect(response.status).toBe(302);
    expect(response.location?.startsWith(`${server.publicUrl}/ui/error?error=`)).toBe(true);

    return errorIdOf(response.location);
  }

  function publicError(browser: BrowserClient, id: string) {
    return browser.get(`${server.publicUrl}/self-service/errors?error=${id}`, {
      accept: 'application/json',
    });
  }

  const expectedErrors = [
    { code: 404, status: 'Not Found', message: 'Unable to locate the resource' },
  ];

  it('serves the error to its browser', async () => {
    const browser = new BrowserClient();
    const id = await causeError(browser);
    const response = await publicError(browser, id);

    expect(response.status).toBe(200);
    expect(response.json()).toEqual({ id, errors: expectedErrors });
  });

  it('serves the error again after it was seen', async () => {
    const browser = new BrowserClient();
    const id = await causeError(browser);
    await publicError(browser, id);

    expect((await publicError(browser, id)).status).toBe(200);
    expect((await fetchErrorAdmin(server, id)).status).toBe(200);
  });

  it('public: 403 for other browsers', async () => {
    const id = await causeError(new BrowserClient());
    const stranger = new BrowserClient();
    await startFlow(stranger, server, 'login');

    for (const client of [stranger, new BrowserClient()]) {
      const response = await publicError(client, id);
      expect(response.status).toBe(403);
      expect(response.json().error.reason).toBe(FORBIDDEN_REASON);
    }
  });

  it('public: 403 for unknown ids', async () => {
    const browser = new BrowserClient();
    await causeError(browser);

    for (const id of [randomUUID(), 'not-a-uuid', '']) {
      const response = await publicError(browser, id);
      expect(response.status).toBe(403);
      expect(response.json().error.reason).toBe(FORBIDDEN_REASON);
    }
  });

  it('serves any error on the admin listener', async () => {
    const id = await causeError(new BrowserClient());
    const response = await fetchErrorAdmin(server, id);

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ id, errors: expectedErrors });
  });

  it('admin: 404 for unknown ids', async () => {
    for (const id of [randomUUID(), 'not-a-uuid']) {
      const response = await fetchErrorAdmin(server, id);
      const body = (await response.json()) as any;

      expect(response.status).toBe(404);
      expect(body.error.message).toBe('Unable to locate the resource');
    }
  });

  it('shows the error on the built-in error page', async () => {
    const browser = new BrowserClient();
    const id = await causeError(browser);
    const page = await browser.get(`${server.publicUrl}/ui/error?error=${id}`);
    const foreign = await new BrowserClient().get(`${server.publicUrl}/ui/error?error=${id}`);

    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.body).toContain('Unable to locate the resource');
    expect(foreign.status).toBe(200);
    expect(foreign.body).not.toContain('Unable to locate the resource');
    expect(foreign.body).toContain('unknown or belongs to another browser');
  });
});

describe('errors of a misconfigured schema', () => {
  let server: TestServer;
  let schemaDirectory: string;

  beforeAll(async () => {
    schemaDirectory = mkdtempSync(path.join(tmpdir(), 'gatehouse-schema-'));
    const schemaFile = path.join(schemaDirectory, 'no-identifier.schema.json');
    writeFileSync(
      schemaFile,
      JSON.stringify({ type: 'object', properties: { nickname: { type: 'string' } } }),
    );
    server = await startGatehouse({
      config: { identity: { traits: { default_schema_url: pathToFileURL(schemaFile).href } } },
    });
  });

  afterAll(async () => {
    await server.stop();
    await dropTestDatabases();
    rmSync(schemaDirectory, { recursive: true, force: true });
  });

  it('sends identifier-less schema to error page', async () => {
    const browser = new BrowserClient();
    const { response } = await registerWith(browser, server, {
      'traits.nickname': 'nobody',
      password: 'unused but strong passphrase',
    });
    const id = errorIdOf(response.location);
    const stored = await browser.get(`${server.publicUrl}/self-service/errors?error=${id}`, {
      accept: 'application/json',
    });

    expect(stored.status).toBe(200);
    expect(stored.json().errors).toEqual([
      {
        code: 500,
        status: 'Internal Server Error',
        reason:
          'No login identifiers (e.g. email, phone number, username) were set. Contact an administrator, the identity schema is misconfigured.',
        message: 'An internal server error occurred, please contact the system administrator',
      },
    ]);
    expect(await listIdentities(server)).toEqual([]);
  });
});
