import { randomUUID } from 'node:crypto';

import fc from 'fast-check';

import { resolveReturnTo } from '../../src/self-service/hooks/return-to.js';
import { BrowserClient } from '../support/browser-client.js';
import { databaseKinds } from '../support/databases.js';
import { csrfTokenOf, passwordForm, register, startFlow, type FlowKind } from '../support/flows.js';
import { dropTestDatabases, startGatehouse, type TestServer } from '../support/gatehouse.js';

const PASSWORD = 'open redirect resistant';
const SEED = 7_072_026;

// Each variant tries to make a redirect land on evil.test (or run script) although only
// https://allowed.example is on the whitelist.
const HOSTILE_RETURN_TO = [
  '//evil.test',
  '//evil.test/path',
  '///evil.test',
  '/\\evil.test',
  '\\\\evil.test',
  '/\\/evil.test',
  'https:\\\\evil.test',
  'https:/\\evil.test',
  'https:evil.test',
  'https://allowed.example.evil.test',
  'https://allowed.example.evil.test/',
  'https://user@evil.test',
  'https://allowed.example@evil.test',
  'https://allowed.example:443@evil.test',
  'https://allowed.example%40evil.test',
  'https://allowed.example%2eevil.test',
  'https://evil.test\\@allowed.example',
  'https://evil.test#@allowed.example',
  'https://evil.test?@allowed.example',
  'HTTPS://ALLOWED.EXAMPLE@EVIL.TEST',
  'HtTpS://EvIl.TeSt',
  'https://allowed.example\u3002evil.test',
  'https://allowed.example./',
  '%2F%2Fevil.test',
  '/%2F%2Fevil.test',
  '/%5Cevil.test',
  'https://allowed.example\t.evil.test',
  ' https://evil.test',
  'https://evil.test ',
  '\n//evil.test',
  '/\t/evil.test',
  '/\r\n/evil.test',
  '//evil.test\u0000.allowed.example',
  'javascript:alert(1)',
  'JaVaScRiPt:alert(1)',
  'java\tscript:alert(1)',
  ' javascript:alert(1)',
  'javascript://allowed.example/%0aalert(1)',
  'data:text/html,<script>alert(1)</script>',
  'vbscript:msgbox(1)',
  'http://allowed.example',
  'https://allowed.example:8443',
  'ftp://allowed.example',
  'https://user@allowed.example/',
  'https://evil.test:secret@allowed.example/',
];

describe.each(databaseKinds())('open redirects through real flows on %s', (database) => {
  let server: TestServer;
  let allowedOrigins: Set<string>;

  beforeAll(async () => {
    server = await startGatehouse({
      database,
      config: { urls: { whitelisted_return_to_domains: ['https://allowed.example/'] } },
    });
    allowedOrigins = new Set(['https://allowed.example', new URL(server.publicUrl).origin]);
  });

  afterAll(async () => {
    await server.stop();
    await dropTestDatabases();
  });

  function expectInside(location: string | undefined, returnTo: string): void {
    expect(location).toBeDefined();
    const target = new URL(location ?? '');
    if (!allowedOrigins.has(target.origin)) {
      throw new Error(`return_to ${JSON.stringify(returnTo)} redirected to ${location}`);
    }
    expect(target.username + target.password).toBe('');
    expect(location).not.toMatch(/[\s\\]/);
  }

  /**
   * Starts a flow with the return_to, follows it to completion and checks every redirect on
   * the way. A rejected return_to ends on the error page, which is inside as well.
   */
  async function followFlow(kind: FlowKind, returnTo: string): Promise<void> {
    const email = `${randomUUID()}@example.com`;
    if (kind === 'login') {
      await register(new BrowserClient(), server, email, PASSWORD);
    }
    const browser = new BrowserClient();
    const started = await browser.get(
      `${server.publicUrl}/self-service/browser/flows/${kind}?return_to=${encodeURIComponent(returnTo)}`,
    );
    expect(started.status).toBe(302);
    expectInside(started.location, returnTo);
    const request = new URL(started.location ?? '').searchParams.get('request');
    if (!request) {
      expect(started.location).toContain('/ui/error?error=');

      return;
    }
    const form = await passwordForm(server, kind, request);
    const fields: Record<string, string> =
      kind === 'login'
        ? { identifier: email, password: PASSWORD }
        : { 'traits.email': email, password: PASSWORD };
    const done = await browser.post(form.action, { csrf_token: csrfTokenOf(form), ...fields });
    expect(done.status).toBe(302);
    expectInside(done.location, returnTo);
  }

  it.each<FlowKind>(['registration', 'login'])(
    'keeps every hostile return_to inside the whitelist during %s',
    async (kind) => {
      for (const returnTo of HOSTILE_RETURN_TO) {
        await followFlow(kind, returnTo);
      }
    },
  );

  it('still follows an allowed return_to, so the checks above are not vacuous', async () => {
    const browser = new BrowserClient();
    const id = await startFlow(
      browser,
      server,
      'registration',
      `?return_to=${encodeURIComponent('https://allowed.example/after')}`,
    );
    const form = await passwordForm(server, 'registration', id);
    const done = await browser.post(form.action, {
      csrf_token: csrfTokenOf(form),
      'traits.email': `${randomUUID()}@example.com`,
      password: PASSWORD,
    });
    expect(done.location).toBe('https://allowed.example/after');
  });
});

describe('the return_to checker', () => {
  const DEFAULT = 'https://id.example.com/ui/';
  const ALLOWED = [new URL('https://allowed.example/'), new URL('http://partner.example:8080/')];
  const ORIGINS = new Set([
    'https://id.example.com',
    'https://allowed.example',
    'http://partner.example:8080',
  ]);

  // Pieces that URL parsers and browsers treat specially, glued together at random.
  const piece = fc.constantFrom(
    'https:',
    'http:',
    'javascript:',
    'HTTPS:',
    '//',
    '/',
    '\\',
    '/\\',
    '\\/',
    'allowed.example',
    'ALLOWED.EXAMPLE',
    'evil.test',
    'partner.example',
    ':8080',
    ':443',
    '@',
    'user:pass@',
    '.',
    '%2e',
    '%2f',
    '%5c',
    '%40',
    '%00',
    '#',
    '?',
    '\t',
    '\n',
    '\r',
    ' ',
    '\u0000',
    '\u3002',
    '\uff0e',
    '\u202e',
    '\ud800',
    'ａ',
    'xn--',
    'path',
  );
  // Well-formed URLs with credentials, hosts and ports chosen from the interesting ones.
  const structured = fc
    .tuple(
      fc.constantFrom('https://', 'http://', 'HTTPS://', '//', '', 'https:'),
      fc.constantFrom('', 'user@', 'user:pass@', 'allowed.example@', 'evil.test@'),
      fc.constantFrom('allowed.example', 'evil.test', 'partner.example', 'ALLOWED.example'),
      fc.constantFrom('', ':8080', ':443', '.', '.evil.test'),
      fc.webPath(),
    )
    .map((parts) => parts.join(''));
  const candidate = fc.oneof(
    structured,
    fc.array(piece, { minLength: 1, maxLength: 10 }).map((parts) => parts.join('')),
    fc.webUrl({ withQueryParameters: true, withFragments: true }),
    fc.string({ unit: 'binary', maxLength: 40 }),
  );

  it('only ever answers a URL on the default host or an allowed origin', () => {
    fc.assert(
      fc.property(candidate, (returnTo) => {
        let resolved: string;
        try {
          resolved = resolveReturnTo(returnTo, DEFAULT, ALLOWED, 'https://id.example.com/');
        } catch (error) {
          expect((error as { code?: number }).code).toBe(400);

          return;
        }
        // Parse the answer as a browser would, relative to a page on another host.
        const target = new URL(resolved, 'https://other.example/page');
        expect(ORIGINS.has(target.origin)).toBe(true);
        expect(target.username + target.password).toBe('');
        // eslint-disable-next-line no-control-regex -- control characters are what it looks for.
        expect(resolved).not.toMatch(/[\s\\\u0000-\u001f]/);
        expect(new URL(resolved).toString()).toBe(resolved);
      }),
      { seed: SEED, numRuns: 20_000, verbose: 1 },
    );
  });

  it('keeps allowed URLs and paths', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('https://allowed.example', 'http://partner.example:8080', ''),
        fc.webPath(),
        (origin, path) => {
          const returnTo = `${origin}${path.startsWith('/') ? path : `/${path}`}`;
          if (returnTo.startsWith('//')) {
            return;
          }
          const resolved = resolveReturnTo(returnTo, DEFAULT, ALLOWED);
          expect(new URL(resolved).origin).toBe(origin || 'https://id.example.com');
        },
      ),
      { seed: SEED, numRuns: 2_000 },
    );
  });
});
