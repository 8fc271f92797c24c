import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import { BrowserClient } from '../support/browser-client.js';
import { databaseKinds } from '../support/databases.js';
import {
  csrfTokenOf,
  fetchFlowPublicly,
  listIdentities,
  passwordForm,
  register,
  startFlow,
  whoami,
  type FlowKind,
} from '../support/flows.js';
import { dropTestDatabases, startGatehouse, type TestServer } from '../support/gatehouse.js';

const PASSWORD = 'hourglass sand timer';
const LIFESPAN_MS = 2000;

describe.each(databaseKinds())('expiry on %s', (database) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startGatehouse({
      database,
      config: {
        selfservice: {
          login: { request_lifespan: `${LIFESPAN_MS}ms` },
          registration: { request_lifespan: `${LIFESPAN_MS}ms` },
        },
        ttl: { session: `${LIFESPAN_MS}ms` },
      },
    });
  });

  afterAll(async () => {
    await server.stop();
    await dropTestDatabases();
  });

  async function expiredForm(browser: BrowserClient, kind: FlowKind) {
    const id = await startFlow(browser, server, kind);
    const form = await passwordForm(server, kind, id);
    await sleep(LIFESPAN_MS + 200);

    return { id, form };
  }

  it('shows an expired registration request on its form', async () => {
    const browser = new BrowserClient();
    const { id, form } = await expiredForm(browser, 'registration');
    const identities = (await listIdentities(server)).length;
    const response = await browser.post(form.action, {
      csrf_token: csrfTokenOf(form),
      'traits.email': 'late@example.com',
      password: PASSWORD,
    });

    expect(response.status).toBe(302);
    expect(response.location).toBe(`${server.publicUrl}/ui/registration?request=${id}`);
    const errors = (await passwordForm(server, 'registration', id)).errors ?? [];
    expect(errors.map((error) => error.id)).toEqual(['request_expired']);
    expect(errors[0].message).toMatch(
      /^The registration request expired 0\.\d\d minutes ago, please try again\.$/,
    );
    expect((await listIdentities(server)).length).toBe(identities);
    expect((await whoami(browser, server)).status).toBe(401);
  });

  it('shows an expired login request on its form', async () => {
    const email = `${randomUUID()}@example.com`;
    await register(new BrowserClient(), server, email, PASSWORD);
    const browser = new BrowserClient();
    const { id, form } = await expiredForm(browser, 'login');
    const response = await browser.post(form.action, {
      csrf_token: csrfTokenOf(form),
      identifier: email,
      password: PASSWORD,
    });

    expect(response.location).toBe(`${server.publicUrl}/ui/login?request=${id}`);
    expect(response.headers.getSetCookie().join('\n')).not.toMatch(/ory_kratos_session=/);
    const errors = (await passwordForm(server, 'login', id)).errors ?? [];
    expect(errors[0].message).toMatch(
      /^The login request expired 0\.\d\d minutes ago, please try again\.$/,
    );
  });

  it('JSON client: 400 when expired', async () => {
    const browser = new BrowserClient();
    const { form } = await expiredForm(browser, 'login');
    const response = await browser.request(form.action, {
      json: { csrf_token: csrfTokenOf(form), identifier: 'a@example.com', password: PASSWORD },
      headers: { accept: 'application/json' },
    });

    expect(response.status).toBe(400);
    expect(response.json().error.reason).toMatch(/^The login request expired/);
  });

  it('still serves an expired request to its browser', async () => {
    const browser = new BrowserClient();
    const { id } = await expiredForm(browser, 'registration');
    const response = await fetchFlowPublicly(browser, server, 'registration', id);

    expect(response.status).toBe(200);
    expect(Date.parse(response.json().expires_at)).toBeLessThan(Date.now());
  });

  it('offers a new flow when expired', async () => {
    const browser = new BrowserClient();
    const { id, form } = await expiredForm(browser, 'login');
    await browser.post(form.action, {
      csrf_token: csrfTokenOf(form),
      identifier: 'late@example.com',
      password: PASSWORD,
    });
    const page = await browser.get(`${server.publicUrl}/ui/login?request=${id}`);

    expect(page.status).toBe(200);
    expect(page.body).toMatch(/The login request expired 0\.\d\d minutes ago/);
    expect(page.body).toContain(
      `<a href="${server.publicUrl}/self-service/browser/flows/login">Start a new sign-in</a>`,
    );
    expect(page.body).not.toContain('<form');
  });

  it('ends a session after ttl.session', async () => {
    const browser = new BrowserClient();
    const registered = await register(browser, server, `${randomUUID()}@example.com`, PASSWORD);
    const session = (await whoami(browser, server)).json();
    const cookie = registered.headers
      .getSetCookie()
      .find((line) => line.startsWith('ory_kratos_session='));
    const cookieExpires = Date.parse(/Expires=([^;]+)/.exec(cookie ?? '')?.[1] ?? '');

    expect(Date.parse(session.expires_at) - Date.parse(session.issued_at)).toBe(LIFESPAN_MS);
    expect(Math.abs(cookieExpires - Date.parse(session.expires_at))).toBeLessThan(1500);

    // Replay the cookie by hand: the client's own jar drops it once its Expires has passed.
    const replay = await browser.jar.getCookieString(server.publicUrl);
    await sleep(LIFESPAN_MS + 200);
    const expired = await fetch(`${server.publicUrl}/sessions/whoami`, {
      headers: { cookie: replay },
    });
    expect(replay).toMatch(/ory_kratos_session=/);
    expect(expired.status).toBe(401);
  });
});
