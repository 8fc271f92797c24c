import { randomUUID } from 'node:crypto';

import { BrowserClient } from '../support/browser-client.js';
import { databaseKinds } from '../support/databases.js';
import {
  csrfTokenOf,
  fetchFlow,
  fetchFlowPublicly,
  fieldOf,
  passwordForm,
  register,
  requestIdOf,
  startFlow,
  type FlowKind,
} from '../support/flows.js';
import { dropTestDatabases, startGatehouse, type TestServer } from '../support/gatehouse.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const FORBIDDEN_REASON = 'A request failed due to a missing or invalid csrf_token value.';

describe.each(databaseKinds())('flow requests on %s', (database) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startGatehouse({ database });
  });

  afterAll(async () => {
    await server.stop();
    await dropTestDatabases();
  });

  describe.each<[FlowKind, string]>([
    ['login', 'ui/login'],
    ['registration', 'ui/registration'],
  ])('%s init', (kind, page) => {
    it('redirects to UI with request id', async () => {
      const browser = new BrowserClient();
      const response = await browser.get(`${server.publicUrl}/self-service/browser/flows/${kind}`);

      expect(response.status).toBe(302);
      const location = new URL(response.location ?? '');
      expect(`${location.origin}${location.pathname}`).toBe(`${server.publicUrl}/${page}`);
      expect(location.searchParams.get('request')).toMatch(UUID);
      expect(response.headers.getSetCookie().join('\n')).toMatch(/csrf_token=[^;]+;.*HttpOnly/);
    });

    it('stores lifespan and start URL', async () => {
      const browser = new BrowserClient();
      const before = Date.now();
      const id = await startFlow(browser, server, kind, '?return_to=%2Fafter');
      const flow = await fetchFlow(server, kind, id);

      expect(flow.id).toBe(id);
      expect(flow.request_url).toBe(
        `${server.publicUrl}/self-service/browser/flows/${kind}?return_to=%2Fafter`,
      );
      const issued = Date.parse(flow.issued_at);
      const expires = Date.parse(flow.expires_at);
      expect(issued).toBeGreaterThanOrEqual(before - 1000);
      expect(issued).toBeLessThanOrEqual(Date.now() + 1000);
      expect(expires - issued).toBe(3600_000);
      expect(flow.active).toBeUndefined();
      expect(Object.keys(flow.methods)).toEqual(['password']);
      expect(flow.methods.password.method).toBe('password');
    });

    it('sends signed-in browser to default', async () => {
      const browser = new BrowserClient();
      await register(browser, server, `signed-in-${kind}@example.com`, 'correct horse battery');
      const response = await browser.get(`${server.publicUrl}/self-service/browser/flows/${kind}`);

      expect(response.status).toBe(302);
      expect(response.location).toBe(`${server.publicUrl}/ui/`);
    });

    it('sends signed-in submit to default', async () => {
      const browser = new BrowserClient();
      const id = await startFlow(browser, server, kind);
      const form = await passwordForm(server, kind, id);
      await register(browser, server, `submit-${kind}@example.com`, 'correct horse battery');
      const response = await browser.post(form.action, { csrf_token: csrfTokenOf(form) });

      expect(response.status).toBe(302);
      expect(response.location).toBe(`${server.publicUrl}/ui/`);
    });
  });

  describe.each<FlowKind>(['login', 'registration'])('%s request getters', (kind) => {
    it('admin returns any request', async () => {
      const id = await startFlow(new BrowserClient(), server, kind);
      const response = await fetch(
        `${server.adminUrl}/self-service/browser/flows/requests/${kind}?request=${id}`,
      );

      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(((await response.json()) as { id: string }).id).toBe(id);
    });

    it('admin: 404 for unknown ids', async () => {
      for (const id of [randomUUID(), 'not-a-uuid', '']) {
        const response = await fetch(
          `${server.adminUrl}/self-service/browser/flows/requests/${kind}?request=${id}`,
        );
        const body = (await response.json()) as any;

        expect(response.status).toBe(404);
        expect(body.error.code).toBe(404);
        expect(body.error.message).toBe('Unable to locate the resource');
      }
    });

    it('admin: 404 for other flow kind', async () => {
      const other: FlowKind = kind === 'login' ? 'registration' : 'login';
      const id = await startFlow(new BrowserClient(), server, other);
      const response = await fetch(
        `${server.adminUrl}/self-service/browser/flows/requests/${kind}?request=${id}`,
      );

      expect(response.status).toBe(404);
    });

    it('public returns request to its browser', async () => {
      const browser = new BrowserClient();
      const id = await startFlow(browser, server, kind);
      const response = await fetchFlowPublicly(browser, server, kind, id);

      expect(response.status).toBe(200);
      expect(response.json().id).toBe(id);
      expect(response.json().methods.password.config).toEqual(
        (await fetchFlow(server, kind, id)).methods.password.config,
      );
    });

    it('public: 403 without CSRF cookie', async () => {
      const id = await startFlow(new BrowserClient(), server, kind);
      const response = await fetchFlowPublicly(new BrowserClient(), server, kind, id);

      expect(response.status).toBe(403);
      expect(response.json().error).toMatchObject({
        code: 403,
        status: 'Forbidden',
        reason: FORBIDDEN_REASON,
        message: 'The requested action was forbidden',
      });
    });

    it('public: 403 for another browser', async () => {
      const owner = new BrowserClient();
      const stranger = new BrowserClient();
      await startFlow(stranger, server, kind);
      const id = await startFlow(owner, server, kind);
      const response = await fetchFlowPublicly(stranger, server, kind, id);

      expect(await stranger.cookie('csrf_token', server.publicUrl)).toBeDefined();
      expect(response.status).toBe(403);
      expect(response.json().error.reason).toBe(FORBIDDEN_REASON);
    });

    it('public: unknown ids look foreign', async () => {
      const browser = new BrowserClient();
      const foreign = await startFlow(new BrowserClient(), server, kind);
      await startFlow(browser, server, kind);

      const bodies: unknown[] = [];
      for (const id of [foreign, randomUUID(), 'not-a-uuid']) {
        const response = await fetchFlowPublicly(browser, server, kind, id);
        expect(response.status).toBe(403);
        const { request: _request, ...error } = response.json().error;
        bodies.push(error);
      }
      expect(bodies[1]).toEqual(bodies[0]);
      expect(bodies[2]).toEqual(bodies[0]);
    });

    it('admin has no flow endpoints', async () => {
      const id = await startFlow(new BrowserClient(), server, kind);
      const init = await fetch(`${server.adminUrl}/self-service/browser/flows/${kind}`, {
        redirect: 'manual',
      });
      const submit = await fetch(
        `${server.adminUrl}/self-service/browser/flows/${kind}/strategies/password?request=${id}`,
        { method: 'POST' },
      );

      expect(init.status).toBe(404);
      expect(submit.status).toBe(404);
    });
  });

  describe('forms', () => {
    it('login form fields', async () => {
      const id = await startFlow(new BrowserClient(), server, 'login');
      const form = await passwordForm(server, 'login', id);

      expect(form.action).toBe(
        `${server.publicUrl}/self-service/browser/flows/login/strategies/password?request=${id}`,
      );
      expect(form.method).toBe('POST');
      expect(form.errors).toBeUndefined();
      expect(form.fields.map((field) => field.name).sort()).toEqual([
        'csrf_token',
        'identifier',
        'password',
      ]);
      expect(fieldOf(form, 'identifier')).toEqual({
        name: 'identifier',
        type: 'text',
        required: true,
      });
      expect(fieldOf(form, 'password')).toEqual({
        name: 'password',
        type: 'password',
        required: true,
      });
      expect(fieldOf(form, 'csrf_token')).toMatchObject({ type: 'hidden', required: true });
      expect(csrfTokenOf(form)).not.toBe('');
    });

    it('registration form from default schema', async () => {
      const id = await startFlow(new BrowserClient(), server, 'registration');
      const form = await passwordForm(server, 'registration', id);

      expect(form.action).toBe(
        `${server.publicUrl}/self-service/browser/flows/registration/strategies/password?request=${id}`,
      );
      expect(form.method).toBe('POST');
      expect(form.fields.map((field) => field.name)).toEqual([
        'csrf_token',
        'password',
        'traits.email',
      ]);
      expect(fieldOf(form, 'traits.email')).toEqual({
        name: 'traits.email',
        type: 'email',
        required: true,
      });
      expect(fieldOf(form, 'password')).toEqual({
        name: 'password',
        type: 'password',
        required: true,
      });
    });

    it('fresh CSRF token per request', async () => {
      const browser = new BrowserClient();
      const first = await passwordForm(server, 'login', await startFlow(browser, server, 'login'));
      const second = await passwordForm(server, 'login', await startFlow(browser, server, 'login'));

      expect(csrfTokenOf(first)).not.toBe(csrfTokenOf(second));
      expect(csrfTokenOf(first)).not.toBe(await browser.cookie('csrf_token', server.publicUrl));
    });

    it('CSRF cookie kept across flows', async () => {
      const browser = new BrowserClient();
      await startFlow(browser, server, 'login');
      const cookie = await browser.cookie('csrf_token', server.publicUrl);
      const response = await browser.get(
        `${server.publicUrl}/self-service/browser/flows/registration`,
      );

      expect(response.headers.getSetCookie().join('\n')).not.toMatch(/csrf_token=/);
      expect(await browser.cookie('csrf_token', server.publicUrl)).toBe(cookie);
      expect(requestIdOf(response.location)).toMatch(UUID);
    });
  });
});
