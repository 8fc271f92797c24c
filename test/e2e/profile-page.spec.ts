import { BrowserClient } from '../support/browser-client.js';
import { databaseKinds } from '../support/databases.js';
import { register } from '../support/flows.js';
import { dropTestDatabases, startGatehouse, type TestServer } from '../support/gatehouse.js';
import { PROFILE_INIT, startProfile, submitProfile } from '../support/profile.js';

const PASSWORD = 'correct horse battery staple';
const SAVED_NOTICE = 'Your profile has been saved.';

describe.each(databaseKinds())('built-in profile page on %s', (database) => {
  let server: TestServer;
  let count = 0;

  beforeAll(async () => {
    server = await startGatehouse({ database });
  });

  afterAll(async () => {
    await server.stop();
    await dropTestDatabases();
  });

  async function signedIn(): Promise<{ browser: BrowserClient; email: string }> {
    count += 1;
    const email = `page-${count}@example.com`;
    const browser = new BrowserClient();
    expect((await register(browser, server, email, PASSWORD)).status).toBe(302);

    return { browser, email };
  }

  it('renders the form with the stored values', async () => {
    const { browser, email } = await signedIn();
    const id = await startProfile(browser, server);

    const page = await browser.get(`${server.publicUrl}/ui/profile?request=${id}`);

    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.body).toContain(
      `action="${server.publicUrl}/self-service/browser/flows/profile/update?request=${id}"`,
    );
    expect(page.body).toMatch(
      /name="traits\.email"\s+type="email"\s+value="page-\d+@example\.com"/,
    );
    expect(page.body).toContain(email);
    expect(page.body).toMatch(/<input type="hidden" name="csrf_token" value="[^"]+"/);
    expect(page.body).not.toContain(SAVED_NOTICE);
  });

  it('shows a notice after a successful update', async () => {
    const { browser, email } = await signedIn();
    const id = await startProfile(browser, server);
    await submitProfile(browser, server, id, { 'traits.email': email });

    const page = await browser.get(`${server.publicUrl}/ui/profile?request=${id}`);

    expect(page.body).toContain(SAVED_NOTICE);
  });

  it('shows errors and escapes the submitted value', async () => {
    const { browser } = await signedIn();
    const id = await startProfile(browser, server);
    await submitProfile(browser, server, id, { 'traits.email': '"><script>alert(1)</script>' });

    const page = await browser.get(`${server.publicUrl}/ui/profile?request=${id}`);

    expect(page.body).not.toContain('<script>');
    expect(page.body).toContain('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
    expect(page.body).toContain('Does not match format &#39;email&#39;');
    expect(page.body).not.toContain(SAVED_NOTICE);
  });

  it.each([
    ['without a session', false, (id: string) => `?request=${id}`],
    ['without a request id', true, () => ''],
    ['for an unknown request', true, () => '?request=00000000-0000-4000-8000-000000000000'],
  ])('starts profile management again %s', async (_case, withSession, query) => {
    const { browser } = await signedIn();
    const id = await startProfile(browser, server);
    const visitor = withSession ? browser : new BrowserClient();

    const page = await visitor.get(`${server.publicUrl}/ui/profile${query(id)}`);

    expect(page.status).toBe(302);
    expect(page.location).toBe(`${server.publicUrl}${PROFILE_INIT}`);
  });

  it("starts profile management again for another person's request", async () => {
    const alice = await signedIn();
    const bob = await signedIn();
    const aliceRequest = await startProfile(alice.browser, server);

    const page = await bob.browser.get(`${server.publicUrl}/ui/profile?request=${aliceRequest}`);

    expect(page.status).toBe(302);
    expect(page.location).toBe(`${server.publicUrl}${PROFILE_INIT}`);
    expect(page.body).not.toContain(alice.email);
  });

  it('home page links to profile management when signed in', async () => {
    const { browser } = await signedIn();

    const home = await browser.get(`${server.publicUrl}/ui/`);

    expect(home.body).toContain(`href="${server.publicUrl}${PROFILE_INIT}"`);
  });
});
