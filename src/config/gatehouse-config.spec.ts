import { ConfigError } from './config.loader.js';
import { GatehouseConfig } from './gatehouse-config.js';

const load = (env: NodeJS.ProcessEnv) => GatehouseConfig.load({ env });

function messageOf(env: NodeJS.ProcessEnv): string {
  try {
    load(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);

    return (error as Error).message;
  }
  throw new Error('the configuration was accepted');
}

describe('GatehouseConfig', () => {
  it('derives URLs from the listeners', () => {
    const config = load({ SERVE_PUBLIC_PORT: '5433', SERVE_ADMIN_PORT: '5434' });

    expect(config.publicUrl).toBe('http://127.0.0.1:5433/');
    expect(config.adminUrl).toBe('http://127.0.0.1:5434/');
    expect(config.loginUi).toBe('http://127.0.0.1:5433/ui/login');
    expect(config.registrationUi).toBe('http://127.0.0.1:5433/ui/registration');
    expect(config.errorUi).toBe('http://127.0.0.1:5433/ui/error');
    expect(config.defaultReturnTo).toBe('http://127.0.0.1:5433/ui/');
    expect(config.logoutRedirectTo).toBe('http://127.0.0.1:5433/ui/');
    expect(config.publicUrlIsHttps).toBe(false);
  });

  it('keeps a path of the public URL', () => {
    const config = load({ URLS_SELF_PUBLIC: 'https://id.example.com/auth' });

    expect(config.publicUrl).toBe('https://id.example.com/auth/');
    expect(config.loginUi).toBe('https://id.example.com/auth/ui/login');
    expect(config.publicUrlIsHttps).toBe(true);
  });

  it('converts durations to milliseconds', () => {
    const config = load({ TTL_SESSION: '90m', SELFSERVICE_LOGIN_REQUEST_LIFESPAN: '500ms' });

    expect(config.sessionTtlMs).toBe(5_400_000);
    expect(config.loginLifespanMs).toBe(500);
    expect(config.registrationLifespanMs).toBe(3_600_000);
  });

  it('uses session then redirect as default hooks', () => {
    expect(load({}).loginAfterHooks).toEqual([
      { job: 'session' },
      { job: 'redirect', config: { allow_user_defined_redirect: true } },
    ]);
  });

  it('keeps an empty hook list', () => {
    expect(load({ SELFSERVICE_REGISTRATION_AFTER_PASSWORD: '[]' }).registrationAfterHooks).toEqual(
      [],
    );
  });

  it('makes a random secret when none is set', () => {
    const first = load({});
    const second = load({});

    expect(first.sessionSecretGenerated).toBe(true);
    expect(first.sessionSecrets[0]).not.toBe(second.sessionSecrets[0]);
    expect(load({ SECRETS_SESSION: 'configured-secret-0123' }).sessionSecretGenerated).toBe(false);
  });

  it('points the default schema at the built-in file', () => {
    const entry = load({}).traitsSchemas.find((schema) => schema.id === 'default');

    expect(entry?.url).toMatch(/^file:\/\/.*\/identity\/schemas\/default\.schema\.json$/);
  });

  it.each([
    [{ TTL_SESSION: '0s' }, 'ttl.session is "0s" but must be longer than zero and at most 87600h.'],
    [
      { TTL_SESSION: '87601h' },
      'ttl.session is "87601h" but must be longer than zero and at most 87600h.',
    ],
    [
      { SERVE_SHUTDOWN_GRACE_PERIOD: '25h' },
      'serve.shutdown_grace_period is "25h" but must be at most 24h.',
    ],
    [
      { SERVE_REQUEST_TIMEOUT: '5s', SERVE_HEADERS_TIMEOUT: '6s' },
      'serve.headers_timeout is "6s" but must not be longer than serve.request_timeout ("5s").',
    ],
    [
      { SERVE_PUBLIC_PORT: '4000', SERVE_ADMIN_PORT: '4000' },
      'serve.public.port and serve.admin.port are both 4000 but must differ.',
    ],
    [
      { IDENTITY_TRAITS_DEFAULT_SCHEMA_URL: 'file:///nonexistent/schema.json' },
      'identity.traits.default_schema_url is "file:///nonexistent/schema.json" but the file /nonexistent/schema.json cannot be read: no such file.',
    ],
  ])('rejects %j', (env, expected) => {
    expect(messageOf(env)).toBe(`Invalid configuration: ${expected}`);
  });

  it('allows a request timeout of zero', () => {
    expect(load({ SERVE_REQUEST_TIMEOUT: '0s' }).requestTimeoutMs).toBe(0);
  });
});
