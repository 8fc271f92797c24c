import { Global, Module, type DynamicModule, type Provider } from '@nestjs/common';
import type { Logger } from 'pino';

import { LISTENER, type Listener } from '../common/listener.js';
import { GatehouseConfig } from '../config/gatehouse-config.js';
import { Database } from '../database/database.js';
import { Lifecycle } from '../health/lifecycle.js';
import { Metrics } from '../metrics/metrics.js';
import { TraitsSchemaRegistry } from '../identity/traits-schema.registry.js';
import { CsrfService } from '../self-service/csrf/csrf.service.js';
import { LoginThrottle } from '../self-service/login/login-throttle.js';
import { LoginThrottleRepository } from '../self-service/login/login-throttle.repository.js';
import { PasswordHasher } from '../self-service/password/password-hasher.js';
import { SessionCache } from '../session/session-cache.js';

/**
 * Objects made once per process and shared by both listeners' applications: configuration,
 * the database connection, compiled schemas, the password hasher with its concurrency limit,
 * CSRF tokens, login throttling, the shutdown state and the session cache.
 */
export interface CoreServices {
  config: GatehouseConfig;
  database: Database;
  logger: Logger;
  schemas: TraitsSchemaRegistry;
  hasher: PasswordHasher;
  csrf: CsrfService;
  throttle: LoginThrottle;
  lifecycle: Lifecycle;
  metrics: Metrics;
  sessionCache: SessionCache;
}

export function createCoreServices(
  config: GatehouseConfig,
  database: Database,
  logger: Logger,
): CoreServices {
  return {
    config,
    database,
    logger,
    schemas: new TraitsSchemaRegistry(config),
    hasher: new PasswordHasher(config.argon2),
    csrf: new CsrfService(config),
    throttle: new LoginThrottle(config, new LoginThrottleRepository(database)),
    lifecycle: new Lifecycle(),
    metrics: new Metrics(),
    sessionCache: new SessionCache(),
  };
}

/** Makes the process-wide objects injectable in one listener's application. */
@Global()
@Module({})
export class CoreModule {
  static forRoot(core: CoreServices, listener: Listener): DynamicModule {
    const providers: Provider[] = [
      { provide: GatehouseConfig, useValue: core.config },
      { provide: Database, useValue: core.database },
      { provide: TraitsSchemaRegistry, useValue: core.schemas },
      { provide: PasswordHasher, useValue: core.hasher },
      { provide: CsrfService, useValue: core.csrf },
      { provide: LoginThrottle, useValue: core.throttle },
      { provide: Lifecycle, useValue: core.lifecycle },
      { provide: Metrics, useValue: core.metrics },
      { provide: SessionCache, useValue: core.sessionCache },
      { provide: LISTENER, useValue: listener },
    ];

    return { module: CoreModule, providers, exports: providers };
  }
}
