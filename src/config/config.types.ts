/** A job run after a successful login or registration. */
export interface HookConfig {
  job: 'session' | 'redirect' | 'revoke_active_sessions';
  config?: {
    default_redirect_url?: string;
    allow_user_defined_redirect?: boolean;
  };
}

/** The configuration file as validated against config.schema.json, with defaults applied. */
export interface RawConfig {
  dsn: string;
  serve: {
    public: { host: string; port: number; trusted_proxies: string[] };
    admin: { host: string; port: number };
    request_timeout: string;
    headers_timeout: string;
    body_limit: number;
    shutdown_grace_period: string;
    shutdown_delay: string;
  };
  urls: {
    self: { public?: string; admin?: string };
    login_ui?: string;
    registration_ui?: string;
    profile_ui?: string;
    error_ui?: string;
    mfa_ui?: string;
    default_return_to?: string;
    whitelisted_return_to_domains: string[];
  };
  selfservice: {
    logout: { redirect_to?: string };
    login: { request_lifespan: string; after?: { password?: HookConfig[] } };
    registration: { request_lifespan: string; after?: { password?: HookConfig[] } };
    profile: { request_lifespan: string };
  };
  identity: { traits: { default_schema_url?: string; schemas: { id: string; url: string }[] } };
  secrets: { session?: string[] };
  hashers: {
    argon2: {
      memory: number;
      iterations: number;
      parallelism: number;
      salt_length: number;
      key_length: number;
      max_concurrent?: number;
    };
  };
  ttl: { session: string };
  session: {
    cookie: {
      name: string;
      same_site: 'lax' | 'strict' | 'none';
      secure: 'auto' | 'always' | 'never';
    };
  };
  security: {
    login_throttle: {
      enabled: boolean;
      max_failures_per_identifier: number;
      max_failures_per_address: number;
      window: string;
    };
  };
  database: { query_timeout: string; max_connections: number };
  log: { level: string; format: 'json' | 'text' };
}
