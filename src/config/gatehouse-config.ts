import { randomBytes } from 'node:crypto';
import { accessSync, constants, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { joinUrl } from '../common/url.js';
import {
  ConfigError,
  describeFileError,
  loadRawConfig,
  type ConfigSource,
} from './config.loader.js';
import type { HookConfig, RawConfig } from './config.types.js';
import { parseDuration } from './duration.js';

export interface TraitsSchemaEntry {
  id: string;
  url: string;
}

export interface Argon2Settings {
  memory: number;
  iterations: number;
  parallelism: number;
  saltLength: number;
  keyLength: number;
  maxConcurrent: number;
}

const BUILT_IN_SCHEMA_URL = new URL('../identity/schemas/default.schema.json', import.meta.url)
  .href;

/**
 * The validated configuration with every default resolved: URLs derived from the listeners,
 * durations in milliseconds and the built-in identity schema. One instance serves both listeners.
 */
export class GatehouseConfig {
  readonly dsn: string;
  readonly publicHost: string;
  readonly publicPort: number;
  readonly adminHost: string;
  readonly adminPort: number;
  readonly trustedProxies: string[];
  readonly requestTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly bodyLimit: number;
  readonly shutdownGracePeriodMs: number;
  readonly shutdownDelayMs: number;

  readonly publicUrl: string;
  readonly adminUrl: string;
  readonly loginUi: string;
  readonly registrationUi: string;
  readonly profileUi: string;
  readonly errorUi: string;
  readonly defaultReturnTo: string;
  readonly whitelistedReturnToDomains: URL[];
  readonly logoutRedirectTo: string;

  readonly loginLifespanMs: number;
  readonly registrationLifespanMs: number;
  readonly profileLifespanMs: number;
  readonly loginAfterHooks: HookConfig[];
  readonly registrationAfterHooks: HookConfig[];

  readonly traitsSchemas: TraitsSchemaEntry[];
  readonly sessionSecrets: string[];
  /** True when no secret was configured and a random one was made for this process. */
  readonly sessionSecretGenerated: boolean;
  readonly sessionTtlMs: number;
  readonly sessionCookie: RawConfig['session']['cookie'];
  readonly argon2: Argon2Settings;
  readonly loginThrottle: {
    enabled: boolean;
    maxPerIdentifier: number;
    maxPerAddress: number;
    windowMs: number;
  };
  readonly databaseQueryTimeoutMs: number;
  readonly databaseMaxConnections: number;
  readonly logLevel: string;
  readonly logFormat: 'json' | 'text';

  constructor(raw: RawConfig) {
    this.dsn = raw.dsn;
    this.publicHost = raw.serve.public.host;
    this.publicPort = raw.serve.public.port;
    this.adminHost = raw.serve.admin.host;
    this.adminPort = raw.serve.admin.port;
    if (this.publicPort === this.adminPort) {
      throw new ConfigError(
        `Invalid configuration: serve.public.port and serve.admin.port are both ${this.publicPort} but must differ.`,
      );
    }
    this.trustedProxies = raw.serve.public.trusted_proxies;
    this.requestTimeoutMs = durationSetting(
      'serve.request_timeout',
      raw.serve.request_timeout,
      TIMEOUT,
    );
    this.headersTimeoutMs = durationSetting(
      'serve.headers_timeout',
      raw.serve.headers_timeout,
      TIMEOUT,
    );
    if (this.requestTimeoutMs > 0 && this.headersTimeoutMs > this.requestTimeoutMs) {
      throw new ConfigError(
        `Invalid configuration: serve.headers_timeout is "${raw.serve.headers_timeout}" but must not be longer than serve.request_timeout ("${raw.serve.request_timeout}").`,
      );
    }
    this.bodyLimit = raw.serve.body_limit;
    this.shutdownGracePeriodMs = durationSetting(
      'serve.shutdown_grace_period',
      raw.serve.shutdown_grace_period,
      TIMEOUT,
    );
    this.shutdownDelayMs = durationSetting(
      'serve.shutdown_delay',
      raw.serve.shutdown_delay,
      TIMEOUT,
    );

    this.publicUrl = withTrailingSlash(
      urlSetting('urls.self.public', raw.urls.self.public) ??
        `http://127.0.0.1:${this.publicPort}/`,
    );
    this.adminUrl = withTrailingSlash(
      urlSetting('urls.self.admin', raw.urls.self.admin) ?? `http://127.0.0.1:${this.adminPort}/`,
    );
    this.loginUi = raw.urls.login_ui ?? joinUrl(this.publicUrl, 'ui/login');
    this.registrationUi = raw.urls.registration_ui ?? joinUrl(this.publicUrl, 'ui/registration');
    this.profileUi = raw.urls.profile_ui ?? joinUrl(this.publicUrl, 'ui/profile');
    this.errorUi = raw.urls.error_ui ?? joinUrl(this.publicUrl, 'ui/error');
    this.defaultReturnTo = raw.urls.default_return_to ?? joinUrl(this.publicUrl, 'ui/');
    this.whitelistedReturnToDomains = raw.urls.whitelisted_return_to_domains.map(
      (entry, index) => new URL(urlSetting(`urls.whitelisted_return_to_domains.${index}`, entry)),
    );
    this.logoutRedirectTo = raw.selfservice.logout.redirect_to ?? this.defaultReturnTo;

    this.loginLifespanMs = durationSetting(
      'selfservice.login.request_lifespan',
      raw.selfservice.login.request_lifespan,
      LIFESPAN,
    );
    this.registrationLifespanMs = durationSetting(
      'selfservice.registration.request_lifespan',
      raw.selfservice.registration.request_lifespan,
      LIFESPAN,
    );
    this.profileLifespanMs = durationSetting(
      'selfservice.profile.request_lifespan',
      raw.selfservice.profile.request_lifespan,
      LIFESPAN,
    );
    this.loginAfterHooks = raw.selfservice.login.after?.password ?? defaultAfterHooks();
    this.registrationAfterHooks =
      raw.selfservice.registration.after?.password ?? defaultAfterHooks();

    this.traitsSchemas = [
      ...raw.identity.traits.schemas.map((entry, index) => ({
        id: entry.id,
        url: schemaUrlSetting(`identity.traits.schemas.${index}.url`, entry.url),
      })),
      {
        id: 'default',
        url: schemaUrlSetting(
          'identity.traits.default_schema_url',
          raw.identity.traits.default_schema_url ?? BUILT_IN_SCHEMA_URL,
        ),
      },
    ];

    const secrets = raw.secrets.session ?? [];
    this.sessionSecretGenerated = secrets.length === 0;
    this.sessionSecrets = this.sessionSecretGenerated
      ? [randomBytes(32).toString('base64url')]
      : secrets;
    this.sessionTtlMs = durationSetting('ttl.session', raw.ttl.session, LIFESPAN);
    this.sessionCookie = raw.session.cookie;

    const argon2 = raw.hashers.argon2;
    this.argon2 = {
      memory: argon2.memory,
      iterations: argon2.iterations,
      parallelism: argon2.parallelism,
      saltLength: argon2.salt_length,
      keyLength: argon2.key_length,
      // One CPU stays free for the event loop, so whoami keeps answering during a login storm.
      maxConcurrent: argon2.max_concurrent ?? Math.max(1, os.availableParallelism() - 1),
    };

    const throttle = raw.security.login_throttle;
    this.loginThrottle = {
      enabled: throttle.enabled,
      maxPerIdentifier: throttle.max_failures_per_identifier,
      maxPerAddress: throttle.max_failures_per_address,
      windowMs: durationSetting('security.login_throttle.window', throttle.window, LIFESPAN),
    };
    this.databaseQueryTimeoutMs = durationSetting(
      'database.query_timeout',
      raw.database.query_timeout,
      TIMEOUT,
    );
    this.databaseMaxConnections = raw.database.max_connections;
    this.logLevel =
      raw.log.level === 'warning' ? 'warn' : raw.log.level === 'panic' ? 'fatal' : raw.log.level;
    this.logFormat = raw.log.format;
  }

  /** Whether the public base URL is served over https, which makes cookies Secure by default. */
  get publicUrlIsHttps(): boolean {
    return this.publicUrl.startsWith('https:');
  }

  static load(source: ConfigSource): GatehouseConfig {
    return new GatehouseConfig(loadRawConfig(source));
  }
}

interface DurationLimit {
  /** Whether zero is allowed; for timeouts it turns the timeout off. */
  zeroAllowed: boolean;
  maxMs: number;
  maxText: string;
}

// Lifespans are added to the current time, which must stay a valid date.
const LIFESPAN: DurationLimit = {
  zeroAllowed: false,
  maxMs: 87_600 * 3_600_000,
  maxText: '87600h',
};
// Timeouts become Node.js timers, which fire at once when set beyond 2^31 - 1 ms (about 24 days).
const TIMEOUT: DurationLimit = { zeroAllowed: true, maxMs: 24 * 3_600_000, maxText: '24h' };

/**
 * Converts a duration setting to milliseconds.
 *
 * @throws ConfigError naming the key when the duration is zero where that makes no sense, or too long.
 */
function durationSetting(key: string, value: string, limit: DurationLimit): number {
  const milliseconds = parseDuration(value);
  if ((milliseconds === 0 && !limit.zeroAllowed) || milliseconds > limit.maxMs) {
    const range = limit.zeroAllowed
      ? `at most ${limit.maxText}`
      : `longer than zero and at most ${limit.maxText}`;
    throw new ConfigError(
      `Invalid configuration: ${key} is ${JSON.stringify(value)} but must be ${range}.`,
    );
  }

  return milliseconds;
}

/**
 * Checks that a URL setting parses as a WHATWG URL, which the schema's `uri` format does not
 * guarantee.
 *
 * @throws ConfigError naming the key.
 */
function urlSetting<T extends string | undefined>(key: string, value: T): T {
  if (value !== undefined && !URL.canParse(value)) {
    throw new ConfigError(
      `Invalid configuration: ${key} is ${JSON.stringify(value)} but must be an absolute http or https URL.`,
    );
  }

  return value;
}

function defaultAfterHooks(): HookConfig[] {
  return [{ job: 'session' }, { job: 'redirect', config: { allow_user_defined_redirect: true } }];
}

function withTrailingSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

/**
 * Resolves a schema URL and, for `file:` URLs, checks that the file can be read, so that a
 * wrong path stops the process with the key that names it.
 *
 * @throws ConfigError naming the key, the URL and why the file cannot be read.
 */
function schemaUrlSetting(key: string, value: string): string {
  const url = resolveFileUrl(value);
  if (!url.startsWith('file:')) {
    return url;
  }
  const file = fileURLToPath(url);
  try {
    accessSync(file, constants.R_OK);
    if (!statSync(file).isFile()) {
      throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
    }
  } catch (error) {
    throw new ConfigError(
      `Invalid configuration: ${key} is ${JSON.stringify(value)} but the file ${file} cannot be read: ${describeFileError(error)}.`,
    );
  }

  return url;
}

/** Turns `file://./relative.json` into an absolute file URL against the working directory. */
function resolveFileUrl(url: string): string {
  if (!url.startsWith('file://') || url.startsWith('file:///')) {
    return url;
  }

  return pathToFileURL(path.resolve(url.slice('file://'.length))).href;
}
