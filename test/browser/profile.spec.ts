import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

import { dropTestDatabases, startGatehouse, type TestServer } from '../support/gatehouse.js';

// Debian's Chromium; Playwright's own browser download is not used.
const CHROMIUM = process.env.GATEHOUSE_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const PASSWORD = 'correct horse battery staple';

const SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  properties: {
    email: {
      type: 'string',
      format: 'email',
      'ory.sh/kratos': { credentials: { password: { identifier: true } } },
    },
    name: { type: 'string' },
  },
  required: ['email'],
  additionalProperties: false,
};

const chromiumAvailable = existsSync(CHROMIUM);
if (!chromiumAvailable) {
  if (process.env.GATEHOUSE_REQUIRE_BROWSER === '1') {
    throw new Error(
      `Chromium is missing at ${CHROMIUM}, and GATEHOUSE_REQUIRE_BROWSER=1 requires it. Install it with "apt-get install chromium".`,
    );
  }
  console.warn(
    `\nChromium is missing at ${CHROMIUM}: the browser profile test is SKIPPED. Install it with "apt-get install chromium", or set GATEHOUSE_CHROMIUM.\n`,
  );
}

(chromiumAvailable ? describe : describe.skip)('profile management in Chromium', () => {
  let server: TestServer;
  let schemaDirectory: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    schemaDirectory = mkdtempSync(path.join(tmpdir(), 'gatehouse-browser-schema-'));
    const schemaFile = path.join(schemaDirectory, 'person.schema.json');
    writeFileSync(schemaFile, JSON.stringify(SCHEMA));
    server = await startGatehouse({
      config: { identity: { traits: { default_schema_url: pathToFileURL(schemaFile).href } } },
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await dropTestDatabases();
    rmSync(schemaDirectory, { recursive: true, force: true });
  });

  beforeEach(async () => {
    context = await browser.newContext();
    page = await context.newPage();
  });

  afterEach(async () => {
    await context.close();
  });

  async function whoamiTraits(): Promise<Record<string, unknown> | undefined> {
    const response = await context.request.get(`${server.publicUrl}/sessions/whoami`);
    if (response.status() !== 200) {
      return undefined;
    }

    return ((await response.json()) as { identity: { traits: Record<string, unknown> } }).identity
      .traits;
  }

  async function signIn(email: string): Promise<void> {
    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.waitForURL(/\/ui\/login\?request=/);
    await page.getByLabel('Email or username').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  it('registers, edits traits, changes the email and signs in with it', async () => {
    await page.goto(`${server.publicUrl}/ui/`);
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.waitForURL(/\/ui\/registration\?request=/);
    await page.getByLabel('Email').fill('ada@example.com');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(`${server.publicUrl}/ui/`);
    expect(await whoamiTraits()).toEqual({ email: 'ada@example.com' });

    await page.getByRole('link', { name: 'Edit your profile' }).click();
    await page.waitForURL(/\/ui\/profile\?request=/);
    const profileUrl = page.url();
    expect(await page.getByLabel('Email').inputValue()).toBe('ada@example.com');
    await page.getByLabel('Name').fill('Ada Lovelace');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(profileUrl);
    expect(await page.getByRole('status').textContent()).toContain('Your profile has been saved.');
    expect(await page.getByLabel('Name').inputValue()).toBe('Ada Lovelace');
    expect(await whoamiTraits()).toEqual({ email: 'ada@example.com', name: 'Ada Lovelace' });

    await page.getByLabel('Email').fill('countess@example.com');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(profileUrl);
    expect(await page.getByRole('status').textContent()).toContain('Your profile has been saved.');
    expect(await whoamiTraits()).toEqual({ email: 'countess@example.com', name: 'Ada Lovelace' });

    await page.getByRole('link', { name: 'Sign out' }).click();
    await page.waitForURL(`${server.publicUrl}/ui/`);
    expect(await whoamiTraits()).toBeUndefined();

    await signIn('ada@example.com');
    await page.waitForURL(/\/ui\/login\?request=/);
    expect(await page.getByRole('alert').textContent()).toContain('credentials are invalid');
    expect(await whoamiTraits()).toBeUndefined();

    await page.goto(`${server.publicUrl}/ui/`);
    await signIn('countess@example.com');
    await page.waitForURL(`${server.publicUrl}/ui/`);
    expect(await whoamiTraits()).toEqual({ email: 'countess@example.com', name: 'Ada Lovelace' });
  });

  it('shows errors on the form and keeps the stored traits', async () => {
    await page.goto(`${server.publicUrl}/self-service/browser/flows/registration`);
    await page.getByLabel('Email').fill('grace@example.com');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(`${server.publicUrl}/ui/`);

    await page.goto(`${server.publicUrl}/self-service/browser/flows/profile`);
    await page.waitForURL(/\/ui\/profile\?request=/);
    await page.getByLabel('Email').fill('not an email');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/\/ui\/profile\?request=/);

    expect(await page.getByText("traits.email: Does not match format 'email'").count()).toBe(1);
    expect(await page.getByRole('status').count()).toBe(0);
    expect(await page.getByLabel('Email').inputValue()).toBe('not an email');
    expect(await whoamiTraits()).toEqual({ email: 'grace@example.com' });
  });

  it('signs in first when profile management starts without a session', async () => {
    await page.goto(`${server.publicUrl}/self-service/browser/flows/registration`);
    await page.getByLabel('Email').fill('hopper@example.com');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(`${server.publicUrl}/ui/`);
    await context.clearCookies();

    await page.goto(`${server.publicUrl}/self-service/browser/flows/profile`);
    await page.waitForURL(/\/ui\/login\?request=/);
    await page.getByLabel('Email or username').fill('hopper@example.com');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();

    await page.waitForURL(/\/ui\/profile\?request=/);
    expect(await page.getByLabel('Email').inputValue()).toBe('hopper@example.com');
  });
});
