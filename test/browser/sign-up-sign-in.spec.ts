import { existsSync } from 'node:fs';

import { chromium, type Browser, type Page } from 'playwright-core';

import { startFrontend, type TestFrontend } from '../support/frontend.js';
import {
  dropTestDatabases,
  freePort,
  startGatehouse,
  type TestServer,
} from '../support/gatehouse.js';

const CHROMIUM = process.env.GATEHOUSE_CHROMIUM ?? '/usr/bin/chromium';
// Debian's Chromium runs as root without a sandbox and must not reach the network on its own.
const LAUNCH_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const INVALID_CREDENTIALS =
  'The provided credentials are invalid. Check for spelling mistakes in your password or username, email address, or phone number.';

const chromiumInstalled = existsSync(CHROMIUM);
if (!chromiumInstalled) {
  if (process.env.GATEHOUSE_REQUIRE_BROWSER === '1') {
    throw new Error(
      `Chromium is missing at ${CHROMIUM}, and GATEHOUSE_REQUIRE_BROWSER=1 requires the browser tests.`,
    );
  }
  console.warn(
    `\nChromium is missing at ${CHROMIUM}: the browser tests are SKIPPED. Install it with "apt-get install chromium" or set GATEHOUSE_CHROMIUM.\n`,
  );
}
const describeWithBrowser = chromiumInstalled ? describe : describe.skip;

describeWithBrowser('browser flows', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: LAUNCH_FLAGS,
    });
  });

  afterAll(async () => {
    await browser?.close();
    await dropTestDatabases();
  });

  describe('built-in UI', () => {
    let server: TestServer;

    beforeAll(async () => {
      server = await startGatehouse();
    });

    afterAll(async () => {
      await server.stop();
    });

    async function signIn(page: Page, email: string, password: string): Promise<void> {
      await page.getByRole('link', { name: 'Sign in' }).click();
      await page.waitForURL(/\/ui\/login\?request=/);
      await page.getByLabel('Email or username').fill(email);
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
    }

    it('registers, signs out, signs in, fails', async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      try {
        await page.goto(`${server.publicUrl}/ui/`);
        await expectText(page, 'You are not signed in.');

        await page.getByRole('link', { name: 'Create an account' }).click();
        await page.waitForURL(/\/ui\/registration\?request=/);
        await page.getByLabel('Email').fill('Hedy@Example.com');
        await page.getByLabel('Password').fill('frequency hopping 1942');
        await page.getByRole('button', { name: 'Create account' }).click();

        await page.waitForURL(`${server.publicUrl}/ui/`);
        expect(await page.locator('#identity').textContent()).toContain('"Hedy@Example.com"');

        await page.getByRole('link', { name: 'Sign out' }).click();
        await page.waitForURL(`${server.publicUrl}/ui/`);
        await expectText(page, 'You are not signed in.');

        await signIn(page, 'hedy@example.com', 'frequency hopping 1942');
        await page.waitForURL(`${server.publicUrl}/ui/`);
        expect(await page.locator('#identity').textContent()).toContain('"Hedy@Example.com"');

        await page.getByRole('link', { name: 'Sign out' }).click();
        await page.waitForURL(`${server.publicUrl}/ui/`);
        await signIn(page, 'hedy@example.com', 'not my password');
        await page.waitForURL(/\/ui\/login\?request=/);
        expect(await page.getByRole('alert').textContent()).toContain(INVALID_CREDENTIALS);
        expect(await page.getByLabel('Email or username').inputValue()).toBe('hedy@example.com');
        expect(await page.getByLabel('Password').inputValue()).toBe('');
      } finally {
        await context.close();
      }
    });

    it('shows registration errors next to the fields', async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      try {
        await page.goto(`${server.publicUrl}/self-service/browser/flows/registration`);
        await page.getByLabel('Email').fill('Ada@Example.com');
        await page.getByLabel('Password').fill('short');
        await page.getByRole('button', { name: 'Create account' }).click();

        await page.waitForURL(/\/ui\/registration\?request=/);
        const password = page.getByLabel('Password');
        expect(await password.getAttribute('aria-invalid')).toBe('true');
        const describedBy = (await password.getAttribute('aria-describedby')) ?? '';
        expect(await page.locator(`#${describedBy}`).textContent()).toContain(
          'password length must be at least 8 characters but only got 5',
        );
        expect(await page.getByLabel('Email').inputValue()).toBe('Ada@Example.com');
      } finally {
        await context.close();
      }
    });
  });

  describe.each<'public' | 'admin'>(['public', 'admin'])(
    'frontend on another origin reading through the %s API',
    (readVia) => {
      let server: TestServer;
      let frontend: TestFrontend;

      beforeAll(async () => {
        const port = await freePort();
        const origin = `http://127.0.0.1:${port}`;
        server = await startGatehouse({
          config: {
            urls: {
              login_ui: `${origin}/login`,
              registration_ui: `${origin}/registration`,
              error_ui: `${origin}/error`,
              default_return_to: `${origin}/`,
            },
          },
        });
        frontend = await startFrontend({
          port,
          publicUrl: server.publicUrl,
          adminUrl: server.adminUrl,
          readVia,
        });
      });

      afterAll(async () => {
        await frontend.close();
        await server.stop();
      });

      it('completes registration and login', async () => {
        const context = await browser.newContext();
        const page = await context.newPage();
        const email = `grace-${readVia}@example.com`;
        try {
          await page.goto(`${frontend.url}/`);
          await expectText(page, 'Not signed in.');

          await page.getByRole('link', { name: 'Sign up' }).click();
          await page.waitForURL(new RegExp(`^${frontend.url}/registration\\?request=`));
          await page.locator('input[name="traits.email"]').fill(email);
          await page.locator('input[name="password"]').fill('cobol compiler 1959');
          await page.getByRole('button', { name: 'Submit' }).click();

          await page.waitForURL(`${frontend.url}/`);
          expect(await page.locator('#identity-email').textContent()).toBe(email);

          await page.getByRole('link', { name: 'Log out' }).click();
          await page.waitForURL(`${frontend.url}/`);
          await expectText(page, 'Not signed in.');

          await page.getByRole('link', { name: 'Log in' }).click();
          await page.waitForURL(new RegExp(`^${frontend.url}/login\\?request=`));
          await page.locator('input[name="identifier"]').fill(email);
          await page.locator('input[name="password"]').fill('wrong password');
          await page.getByRole('button', { name: 'Submit' }).click();
          await page.waitForURL(new RegExp(`^${frontend.url}/login\\?request=`));
          expect(await page.locator('.form-error').textContent()).toBe(INVALID_CREDENTIALS);

          await page.locator('input[name="password"]').fill('cobol compiler 1959');
          await page.getByRole('button', { name: 'Submit' }).click();
          await page.waitForURL(`${frontend.url}/`);
          expect(await page.locator('#identity-email').textContent()).toBe(email);

          const getterBase = readVia === 'public' ? server.publicUrl : server.adminUrl;
          expect(
            frontend.calls.some((call) =>
              call.startsWith(`${getterBase}/self-service/browser/flows/requests/login`),
            ),
          ).toBe(true);
        } finally {
          await context.close();
        }
      });
    },
  );
});

async function expectText(page: Page, text: string): Promise<void> {
  expect(await page.locator('body').textContent()).toContain(text);
}
