import { Module, type DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';

import { HealthModule } from '../health/health.module.js';
import { IdentityModule } from '../identity/identity.module.js';
import { SelfServiceModule } from '../self-service/self-service.module.js';
import { SessionModule } from '../session/session.module.js';
import { UiModule } from '../ui/ui.module.js';
import { CoreModule, type CoreServices } from './core.module.js';
import { MetricsController } from '../metrics/metrics.controller.js';
import { OpenApiController } from './openapi.controller.js';

function loggerModule(core: CoreServices): DynamicModule {
  // The request logger is mounted first on each listener (see http-app.ts); this module only
  // routes Nest's Logger through it, so log lines of a request carry its id.
  return LoggerModule.forRoot({ pinoHttp: { logger: core.logger }, useExisting: true });
}

/** Routes of the public listener: browser flows, whoami, schemas, the built-in UI and health. */
@Module({})
export class PublicApiModule {
  static forRoot(core: CoreServices): DynamicModule {
    return {
      module: PublicApiModule,
      imports: [
        CoreModule.forRoot(core, 'public'),
        loggerModule(core),
        HealthModule,
        IdentityModule.forPublic(),
        SessionModule.forPublic(),
        SelfServiceModule.forPublic(),
        UiModule,
      ],
    };
  }
}

/** Routes of the admin listener: identities, flow request getters, health, metrics and the OpenAPI document. */
@Module({})
export class AdminApiModule {
  static forRoot(core: CoreServices): DynamicModule {
    return {
      module: AdminApiModule,
      imports: [
        CoreModule.forRoot(core, 'admin'),
        loggerModule(core),
        HealthModule,
        IdentityModule.forAdmin(),
        SelfServiceModule.forAdmin(),
      ],
      controllers: [OpenApiController, MetricsController],
    };
  }
}
