import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { joinUrl } from '../common/url.js';
import { ConfigError, loadRawConfig, type ConfigSource } from './config.loader.js';
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
    this.requestTimeoutMs = parseDuration(raw.serve.request_timeout);
    this.headersTimeoutMs = parseDuration(raw.serve.headers_timeout);
    this.bodyLimit = raw.serve.body_limit;
    this.shutdownGracePeriodMs = parseDuration(raw.serve.shutdown_grace_period);
    this.shutdownDelayMs = parseDuration(raw.serve.shutdown_delay);

    this.publicUrl = withTrailingSlash(
      raw.urls.self.public ?? `http://127.0.0.1:${this.publicPort}/`,
    );
    this.adminUrl = withTrailingSlash(raw.urls.self.admin ?? `http://127.0.0.1:${this.adminPort}/`);
    this.loginUi = raw.urls.login_ui ?? joinUrl(this.publicUrl, 'ui/login');
    this.registrationUi = raw.urls.registration_ui ?? joinUrl(this.publicUrl, 'ui/registration');
    this.profileUi = raw.urls.profile_ui ?? joinUrl(this.publicUrl, 'ui/profile');
    this.errorUi = raw.urls.error_ui ?? joinUrl(this.publicUrl, 'ui/error');
    this.defaultReturnTo = raw.urls.default_return_to ?? joinUrl(this.publicUrl, 'ui/');
    this.whitelistedReturnToDomains = raw.urls.whitelisted_return_to_domains.map(
      (entry) => new URL(entry),
    );
    this.logoutRedirectTo = raw.selfservice.logout.redirect_to ?? this.defaultReturnTo;

    this.loginLifespanMs = parseDuration(raw.selfservice.login.request_lifespan);
    this.registrationLifespanMs = parseDuration(raw.selfservice.registration.request_lifespan);
    this.profileLifespanMs = parseDuration(raw.selfservice.profile.request_lifespan);
    this.loginAfterHooks = raw.selfservice.login.after?.password ?? defaultAfterHooks();
    this.registrationAfterHooks =
      raw.selfservice.registration.after?.password ?? defaultAfterHooks();

    this.traitsSchemas = [
      ...raw.identity.traits.schemas.map((entry) => ({
        id: entry.id,
        url: resolveFileUrl(entry.url),
      })),
      {
        id: 'default',
        url: resolveFileUrl(raw.identity.traits.default_schema_url ?? BUILT_IN_SCHEMA_URL),
      },
    ];

    const secrets = raw.secrets.session ?? [];
    this.sessionSecretGenerated = secrets.length === 0;
    this.sessionSecrets = this.sessionSecretGenerated
      ? [randomBytes(32).toString('base64url')]
      : secrets;
    this.sessionTtlMs = parseDuration(raw.ttl.session);
    this.sessionCookie = raw.session.cookie;

    const argon2 = raw.hashers.argon2;
    this.argon2 = {
      memory: argon2.memory,
      iterations: argon2.iterations,
      parallelism: argon2.parallelism,
      saltLength: argon2.salt_length,
      keyLength: argon2.key_length,
      maxConcurrent: argon2.max_concurrent ?? Math.max(1, os.availableParallelism()),
    };

    const throttle = raw.security.login_throttle;
    this.loginThrottle = {
      enabled: throttle.enabled,
      maxPerIdentifier: throttle.max_failures_per_identifier,
      maxPerAddress: throttle.max_failures_per_address,
      windowMs: parseDuration(throttle.window),
    };
    this.databaseQueryTimeoutMs = parseDuration(raw.database.query_timeout);
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

function defaultAfterHooks(): HookConfig[] {
  return [{ job: 'session' }, { job: 'redirect', config: { allow_user_defined_redirect: true } }];
}

function withTrailingSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

/** Turns `file://./relative.json` into an absolute file URL against the working directory. */
function resolveFileUrl(url: string): string {
  if (!url.startsWith('file://') || url.startsWith('file:///')) {
    return url;
  }

  return pathToFileURL(path.resolve(url.slice('file://'.length))).href;
}
