import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { ConfigError, environmentName, loadRawConfig } from './config.loader.js';

describe('loadRawConfig', () => {
  let directory: string;

  beforeAll(() => {
    directory = mkdtempSync(path.join(tmpdir(), 'gatehouse-loader-'));
  });

  afterAll(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  function file(text: string): string {
    const name = path.join(directory, `config-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(name, text);

    return name;
  }

  function messageOf(load: () => unknown): string {
    try {
      load();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);

      return (error as Error).message;
    }
    throw new Error('the configuration was accepted');
  }

  it('fills in every default without a file', () => {
    const config = loadRawConfig({ env: {} });

    expect(config.dsn).toBe('sqlite://./data/gatehouse.sqlite');
    expect(config.serve.public).toEqual({ host: '0.0.0.0', port: 4433, trusted_proxies: [] });
    expect(config.serve.admin.port).toBe(4434);
    expect(config.ttl.session).toBe('24h');
    expect(config.selfservice.login.request_lifespan).toBe('1h');
    expect(config.hashers.argon2).toEqual({
      memory: 65536,
      iterations: 3,
      parallelism: 1,
      salt_length: 16,
      key_length: 32,
    });
    expect(config.session.cookie).toEqual({
      name: 'ory_kratos_session',
      same_site: 'lax',
      secure: 'auto',
    });
    expect(config.secrets.session).toBeUndefined();
  });

  it('reads YAML and JSON files', () => {
    const yaml = loadRawConfig({ file: file('serve:\n  public:\n    port: 5000\n'), env: {} });
    const json = loadRawConfig({ file: file('{"serve": {"admin": {"port": 5001}}}'), env: {} });

    expect(yaml.serve.public.port).toBe(5000);
    expect(json.serve.admin.port).toBe(5001);
  });

  it('treats an empty file as no settings', () => {
    expect(loadRawConfig({ file: file(''), env: {} }).serve.public.port).toBe(4433);
  });

  it('lets environment variables win over the file', () => {
    const config = loadRawConfig({
      file: file('serve:\n  public:\n    port: 5000\n'),
      env: { SERVE_PUBLIC_PORT: '6000' },
    });

    expect(config.serve.public.port).toBe(6000);
  });

  it('converts environment strings to the key types', () => {
    const config = loadRawConfig({
      env: {
        SERVE_ADMIN_PORT: '7000',
        SECURITY_LOGIN_THROTTLE_ENABLED: 'false',
        SECRETS_SESSION: 'first-secret-0123456789, second-secret-0123456789',
        URLS_WHITELISTED_RETURN_TO_DOMAINS: 'https://a.example.com,https://b.example.com',
        SELFSERVICE_LOGIN_AFTER_PASSWORD: '[{"job": "session"}]',
        SERVE_PUBLIC_TRUSTED_PROXIES: '["loopback"]',
        TTL_SESSION: '2h',
        DSN: 'memory',
      },
    });

    expect(config.serve.admin.port).toBe(7000);
    expect(config.security.login_throttle.enabled).toBe(false);
    expect(config.secrets.session).toEqual(['first-secret-0123456789', 'second-secret-0123456789']);
    expect(config.urls.whitelisted_return_to_domains).toEqual([
      'https://a.example.com',
      'https://b.example.com',
    ]);
    expect(config.selfservice.login.after?.password).toEqual([{ job: 'session' }]);
    expect(config.serve.public.trusted_proxies).toEqual(['loopback']);
    expect(config.ttl.session).toBe('2h');
    expect(config.dsn).toBe('memory');
  });

  it('ignores empty environment variables', () => {
    expect(loadRawConfig({ env: { SERVE_PUBLIC_PORT: '' } }).serve.public.port).toBe(4433);
  });

  it.each([
    [
      { SERVE_PUBLIC_PORT: 'abc' },
      'Invalid configuration (from environment variable SERVE_PUBLIC_PORT): serve.public.port is "abc" but must be of type integer.',
    ],
    [
      { SERVE_PUBLIC_PORT: '0' },
      'Invalid configuration (from environment variable SERVE_PUBLIC_PORT): serve.public.port is 0 but must be >= 1.',
    ],
    [
      { SECURITY_LOGIN_THROTTLE_ENABLED: 'yes' },
      'Invalid configuration (from environment variable SECURITY_LOGIN_THROTTLE_ENABLED): security.login_throttle.enabled is "yes" but must be of type boolean.',
    ],
    [
      { TTL_SESSION: '1 day' },
      'Invalid configuration (from environment variable TTL_SESSION): ttl.session is "1 day" but must be a duration: one whole number and one unit out of ns, us, ms, s, m and h, for example 10m.',
    ],
    [
      { SESSION_COOKIE_SAME_SITE: 'loose' },
      'Invalid configuration (from environment variable SESSION_COOKIE_SAME_SITE): session.cookie.same_site is "loose" but must be one of "lax", "strict", "none".',
    ],
    [
      { SELFSERVICE_LOGIN_AFTER_PASSWORD: 'session' },
      'Invalid configuration (from environment variable SELFSERVICE_LOGIN_AFTER_PASSWORD): selfservice.login.after.password.0 is "session" but must be of type object.',
    ],
    [
      { SERVE_PUBLIC_TRUSTED_PROXIES: '999.1.1.1' },
      'Invalid configuration (from environment variable SERVE_PUBLIC_TRUSTED_PROXIES): serve.public.trusted_proxies.0 is "999.1.1.1" but must be an IP address, a CIDR range such as 10.0.0.0/8, or one of loopback, linklocal and uniquelocal.',
    ],
  ])('names the variable, key, value and form for %j', (env, expected) => {
    expect(messageOf(() => loadRawConfig({ env }))).toBe(expected);
  });

  it('names the file for file values', () => {
    const name = file('hashers:\n  argon2:\n    memory: 100\n');

    expect(messageOf(() => loadRawConfig({ file: name, env: {} }))).toMatch(
      /^Invalid configuration in .*\.yaml: hashers\.argon2\.memory is 100 but must be >= 1024\.$/,
    );
  });

  it('accepts trusted proxies as addresses, ranges and names', () => {
    const name = file(
      'serve:\n  public:\n    trusted_proxies: [10.1.2.3, 10.0.0.0/8, "::1", loopback, uniquelocal]\n',
    );

    expect(loadRawConfig({ file: name, env: {} }).serve.public.trusted_proxies).toHaveLength(5);
  });

  it('names the file and entry of a bad trusted proxy', () => {
    const name = file('serve:\n  public:\n    trusted_proxies: [loopback, 10.0.0.0/33]\n');

    expect(messageOf(() => loadRawConfig({ file: name, env: {} }))).toMatch(
      /^Invalid configuration in .*\.yaml: serve\.public\.trusted_proxies\.1 is "10\.0\.0\.0\/33" but must be an IP address/,
    );
  });

  it('reports unknown keys with their path', () => {
    expect(messageOf(() => loadRawConfig({ file: file('urls:\n  login: x\n'), env: {} }))).toMatch(
      /urls\.login is not a known key/,
    );
  });

  it('reports a missing required key', () => {
    expect(
      messageOf(() =>
        loadRawConfig({
          file: file('selfservice:\n  login:\n    after:\n      password:\n        - config: {}\n'),
          env: {},
        }),
      ),
    ).toMatch(/selfservice\.login\.after\.password\.0\.job is missing\./);
  });

  it('hides secret values', () => {
    const message = messageOf(() => loadRawConfig({ env: { SECRETS_SESSION: 'tiny' } }));

    expect(message).toContain('secrets.session.0 is (value hidden)');
    expect(message).not.toContain('tiny');
  });

  it('describes unreadable and malformed files', () => {
    expect(
      messageOf(() => loadRawConfig({ file: path.join(directory, 'none.yaml'), env: {} })),
    ).toMatch(/^Unable to read the configuration file .*none\.yaml: no such file\.$/);
    expect(messageOf(() => loadRawConfig({ file: directory, env: {} }))).toMatch(
      /it is a directory\.$/,
    );
    expect(messageOf(() => loadRawConfig({ file: file('a: [\n'), env: {} }))).toMatch(
      /is not valid YAML or JSON: .*\.$/,
    );
    expect(messageOf(() => loadRawConfig({ file: file('just text'), env: {} }))).toMatch(
      /must contain a mapping of keys, not a string\.$/,
    );
  });
});

describe('environmentName', () => {
  it('joins the key path in upper snake case', () => {
    expect(environmentName(['serve', 'public', 'port'])).toBe('SERVE_PUBLIC_PORT');
    expect(environmentName(['hashers', 'argon2', 'salt_length'])).toBe(
      'HASHERS_ARGON2_SALT_LENGTH',
    );
  });
});
