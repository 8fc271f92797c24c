import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { BrowserClient } from '../support/browser-client.js';
import { register, whoami } from '../support/flows.js';
import {
  dropTestDatabases,
  freePort,
  runCli,
  startGatehouse,
  type TestServer,
} from '../support/gatehouse.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const VERSION: string = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;

describe('configuration', () => {
  let directory: string;

  beforeAll(() => {
    directory = mkdtempSync(path.join(tmpdir(), 'gatehouse-config-'));
  });

  afterAll(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  /** Runs `serve` and expects it to stop at once with exactly one line on stderr. */
  async function expectRejected(args: string[], env: Record<string, string> = {}) {
    const result = await runCli(['serve', ...args], { DSN: 'memory', ...env }, directory);
    const lines = result.stderr.split('\n').filter((line) => line.trim() !== '');

    expect(result.code).toBe(1);
    expect(lines).toHaveLength(1);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).toBe('');

    return lines[0];
  }

  function writeConfig(name: string, text: string): string {
    const file = path.join(directory, name);
    writeFileSync(file, text);

    return file;
  }

  describe('file', () => {
    it.each([
      [
        'a port that is not a number',
        'serve:\n  public:\n    port: abc\n',
        'serve.public.port is "abc" but must be of type integer',
      ],
      [
        'a port out of range',
        'serve:\n  admin:\n    port: 70000\n',
        'serve.admin.port is 70000 but must be <= 65535',
      ],
      ['an unknown key', 'serve:\n  pubic:\n    port: 4433\n', 'serve.pubic is not a known key'],
      [
        'a malformed duration',
        'ttl:\n  session: 1 hour\n',
        'ttl.session is "1 hour" but must be a duration: one whole number and one unit',
      ],
      [
        'a duration out of range',
        'ttl:\n  session: 99999999h\n',
        'ttl.session is "99999999h" but must be longer than zero and at most 87600h',
      ],
      [
        'a zero request lifespan',
        'selfservice:\n  login:\n    request_lifespan: 0s\n',
        'selfservice.login.request_lifespan is "0s" but must be longer than zero',
      ],
      [
        'a URL without scheme',
        'urls:\n  self:\n    public: id.example.com\n',
        'urls.self.public is "id.example.com" but must be an absolute http or https URL',
      ],
      [
        'an unknown hook',
        'selfservice:\n  login:\n    after:\n      password:\n        - job: email\n',
        'selfservice.login.after.password.0.job is "email" but must be one of "session", "redirect", "revoke_active_sessions"',
      ],
      [
        'a too small argon2 memory',
        'hashers:\n  argon2:\n    memory: 10\n',
        'hashers.argon2.memory is 10 but must be >= 1024',
      ],
      [
        'a reserved schema id',
        'identity:\n  traits:\n    schemas:\n      - id: default\n        url: https://example.com/s.json\n',
        'identity.traits.schemas.0.id is "default" but must not be "default"',
      ],
      [
        'a missing schema file',
        'identity:\n  traits:\n    default_schema_url: file://./missing.schema.json\n',
        'identity.traits.default_schema_url is "file://./missing.schema.json" but the file',
      ],
      [
        'equal ports',
        'serve:\n  public:\n    port: 4500\n  admin:\n    port: 4500\n',
        'serve.public.port and serve.admin.port are both 4500 but must differ',
      ],
      [
        'a headers timeout above the request timeout',
        'serve:\n  request_timeout: 5s\n  headers_timeout: 10s\n',
        'serve.headers_timeout is "10s" but must not be longer than serve.request_timeout ("5s")',
      ],
      ['invalid YAML', 'serve: [\n', 'is not valid YAML or JSON'],
      ['a list instead of a mapping', '- 1\n', 'must contain a mapping of keys, not a list'],
    ])('rejects %s', async (_case, text, expected) => {
      const file = writeConfig('gatehouse.yaml', text);
      const message = await expectRejected(['--config', file]);

      expect(message).toContain(expected);
    });

    it('hides a secret value', async () => {
      const file = writeConfig('secret.yaml', 'secrets:\n  session:\n    - tooshort\n');
      const message = await expectRejected(['--config', file]);

      expect(message).toContain('secrets.session.0 is (value hidden)');
      expect(message).toContain('must be at least 16 characters long');
      expect(message).not.toContain('tooshort');
    });

    it('rejects a missing file', async () => {
      const message = await expectRejected(['--config', path.join(directory, 'nope.yaml')]);

      expect(message).toMatch(
        /^Unable to read the configuration file .*nope\.yaml: no such file\.$/,
      );
    });

    it('takes the file from GATEHOUSE_CONFIG', async () => {
      const file = writeConfig('from-env.yaml', 'log:\n  level: loud\n');
      const message = await expectRejected([], { GATEHOUSE_CONFIG: file });

      expect(message).toContain('log.level is "loud" but must be one of');
    });
  });

  describe('environment', () => {
    it.each([
      ['SERVE_PUBLIC_PORT', 'abc', 'serve.public.port is "abc" but must be of type integer'],
      ['SERVE_ADMIN_PORT', '1.5', 'serve.admin.port is 1.5 but must be of type integer'],
      ['TTL_SESSION', '1d', 'ttl.session is "1d" but must be a duration'],
      ['LOG_LEVEL', 'loud', 'log.level is "loud" but must be one of'],
      ['HASHERS_ARGON2_ITERATIONS', '0', 'hashers.argon2.iterations is 0 but must be >= 1'],
      [
        'URLS_WHITELISTED_RETURN_TO_DOMAINS',
        'https://ok.example.com,nope',
        'urls.whitelisted_return_to_domains.1 is "nope" but must be an absolute http or https URL',
      ],
      [
        'SELFSERVICE_LOGIN_AFTER_PASSWORD',
        '[{"job":"nope"}]',
        'selfservice.login.after.password.0.job is "nope"',
      ],
      ['DSN', 'mysql://root@db/gatehouse', 'dsn is a mysql: DSN but must be memory, sqlite://PATH'],
    ])('rejects %s=%s', async (name, value, expected) => {
      const message = await expectRejected([], { [name]: value });

      expect(message).toContain(expected);
      if (name !== 'DSN') {
        expect(message).toContain(`(from environment variable ${name})`);
      }
    });

    it('wins over the file', async () => {
      const file = writeConfig('overridden.yaml', 'serve:\n  public:\n    port: 4433\n');
      const message = await expectRejected(['--config', file], { SERVE_PUBLIC_PORT: 'abc' });

      expect(message).toContain('(from environment variable SERVE_PUBLIC_PORT)');
    });

    it('hides secrets and DSN passwords', async () => {
      const secret = await expectRejected([], { SECRETS_SESSION: 'hunter2' });
      const dsn = await expectRejected([], { DSN: 'mysql://root:hunter2@db/gatehouse' });

      expect(secret).toContain('secrets.session.0 is (value hidden)');
      expect(secret).not.toContain('hunter2');
      expect(dsn).not.toContain('hunter2');
    });
  });
});

describe('memory DSN', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startGatehouse({ dsn: 'memory' });
  });

  afterAll(async () => {
    await server.stop();
    await dropTestDatabases();
  });

  it('serves the flows on an in-memory database', async () => {
    const browser = new BrowserClient();
    const response = await register(browser, server, 'memory@example.com', 'volatile storage 42');

    expect(response.status).toBe(302);
    expect((await whoami(browser, server)).json().identity.traits.email).toBe('memory@example.com');
    expect(existsSync(path.join(server.directory, 'data'))).toBe(false);
  });
});

describe('no configuration', () => {
  it('serves with SQLite and one warning', async () => {
    const directory = mkdtempSync(path.join(tmpdir(), 'gatehouse-empty-'));
    const [publicPort, adminPort] = [await freePort(), await freePort()];
    // Only the listeners are set, because other processes on this machine may hold the default
    // ports, and tests listen on 127.0.0.1 only.
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/gatehouse.js'), 'serve'], {
      cwd: directory,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        SERVE_PUBLIC_HOST: '127.0.0.1',
        SERVE_ADMIN_HOST: '127.0.0.1',
        SERVE_PUBLIC_PORT: String(publicPort),
        SERVE_ADMIN_PORT: String(adminPort),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: string[] = [];
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no start:\n${lines.join('\n')}`)), 20_000);
        const collect = (chunk: Buffer) => {
          lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
          if (lines.some((line) => line.includes('"Gatehouse is serving"'))) {
            clearTimeout(timer);
            resolve();
          }
        };
        child.stdout.on('data', collect);
        child.stderr.on('data', collect);
      });
      const publicUrl = `http://127.0.0.1:${publicPort}`;
      const server = { publicUrl, adminUrl: `http://127.0.0.1:${adminPort}` } as TestServer;

      const warnings = lines
        .map((line) => JSON.parse(line) as { level: string; msg: string })
        .filter((entry) => entry.level === 'warn');
      expect(warnings).toHaveLength(1);
      expect(warnings[0].msg).toMatch(/secrets\.session/);
      expect(existsSync(path.join(directory, 'data', 'gatehouse.sqlite'))).toBe(true);

      const schema = (await (await fetch(`${publicUrl}/schemas/default`)).json()) as any;
      expect(schema.properties.email['ory.sh/kratos'].credentials.password.identifier).toBe(true);

      const browser = new BrowserClient();
      const started = await browser.get(`${publicUrl}/self-service/browser/flows/registration`);
      expect(started.location).toMatch(
        new RegExp(`^${publicUrl}/ui/registration\\?request=[0-9a-f-]{36}$`),
      );
      const registered = await register(browser, server, 'first@example.com', 'first light 2024');
      expect(registered.location).toBe(`${publicUrl}/ui/`);
      const home = await browser.get(`${publicUrl}/ui/`);
      expect(home.body).toContain('first@example.com');
    } finally {
      child.kill('SIGTERM');
      await exited;
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

describe('version command', () => {
  it('prints the package version', async () => {
    const result = await runCli(['version']);

    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`Version:\t${VERSION}\n`);
  });

  it('runs through npx', async () => {
    const child = spawn('npx', ['--no-install', 'gatehouse', 'version'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    const code = await new Promise((resolve) => child.once('exit', resolve));

    expect(code).toBe(0);
    expect(stdout).toContain(`Version:\t${VERSION}`);
  });
});
