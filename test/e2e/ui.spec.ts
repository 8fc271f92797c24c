import { randomUUID } from 'node:crypto';

import { BrowserClient } from '../support/browser-client.js';
import { databaseKinds } from '../support/databases.js';
import { register, registerWith, startFlow } from '../support/flows.js';
import { dropTestDatabases, startGatehouse, type TestServer } from '../support/gatehouse.js';

describe.each(databaseKinds())('built-in UI on %s', (database) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startGatehouse({ database });
  });

  afterAll(async () => {
    await server.stop();
    await dropTestDatabases();
  });

  it('shows the signed-out home page', async () => {
    const response = await new BrowserClient().get(`${server.publicUrl}/ui/`);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.body).toContain('You are not signed in.');
    expect(response.body).toContain(`href="${server.publicUrl}/self-service/browser/flows/login"`);
  });

  it('shows the identity when signed in', async () => {
    const browser = new BrowserClient();
    await register(browser, server, 'home-page@example.com', 'home sweet home 123');
    const response = await browser.get(`${server.publicUrl}/ui/`);

    expect(response.body).toContain('&quot;email&quot;: &quot;home-page@example.com&quot;');
    expect(response.body).toContain(`href="${server.publicUrl}/self-service/browser/flows/logout"`);
    expect(response.body).toContain(
      `href="${server.publicUrl}/self-service/browser/flows/profile"`,
    );
  });

  it.each(['login', 'registration'] as const)('renders the %s form', async (kind) => {
    const browser = new BrowserClient();
    const id = await startFlow(browser, server, kind);
    const response = await browser.get(`${server.publicUrl}/ui/${kind}?request=${id}`);

    expect(response.status).toBe(200);
    expect(response.body).toContain(
      `action="${server.publicUrl}/self-service/browser/flows/${kind}/strategies/password?request=${id}"`,
    );
    expect(response.body).toMatch(/<input type="hidden" name="csrf_token" value="[^"]+" \/>/);
    expect(response.headers.get('content-security-policy')).toContain("form-action 'self'");
    expect(response.headers.get('x-frame-options')).toBe('DENY');
  });

  it.each([
    ['without a request', ''],
    ['for an unknown request', `?request=${randomUUID()}`],
    ['for a malformed request', '?request=nope'],
  ])('starts a new flow %s', async (_case, query) => {
    const response = await new BrowserClient().get(`${server.publicUrl}/ui/login${query}`);

    expect(response.status).toBe(302);
    expect(response.location).toBe(`${server.publicUrl}/self-service/browser/flows/login`);
  });

  it("starts a new flow for another browser's request", async () => {
    const id = await startFlow(new BrowserClient(), server, 'registration');
    const stranger = new BrowserClient();
    await startFlow(stranger, server, 'login');
    const response = await stranger.get(`${server.publicUrl}/ui/registration?request=${id}`);

    expect(response.location).toBe(`${server.publicUrl}/self-service/browser/flows/registration`);
  });

  it('asks for cookies instead of looping', async () => {
    const started = await fetch(`${server.publicUrl}/self-service/browser/flows/login`, {
      redirect: 'manual',
    });
    const page = await fetch(started.headers.get('location') ?? '', { redirect: 'manual' });
    const body = await page.text();

    expect(page.status).toBe(200);
    expect(body).toContain('Cookies required');
    expect(body).toContain(`href="${server.publicUrl}/self-service/browser/flows/login"`);
  });

  it('escapes what the person typed', async () => {
    const browser = new BrowserClient();
    const typed = '"><script>alert(1)</script>';
    const { id } = await registerWith(browser, server, {
      'traits.email': typed,
      password: 'short',
    });
    const response = await browser.get(`${server.publicUrl}/ui/registration?request=${id}`);

    expect(response.body).not.toContain('<script>alert(1)</script>');
    expect(response.body).toContain('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
  });

  it('serves the stylesheet', async () => {
    const response = await fetch(`${server.publicUrl}/ui/style.css`);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/css/);
  });
});
