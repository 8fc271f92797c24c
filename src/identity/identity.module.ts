import { Module, type DynamicModule } from '@nestjs/common';

import { IdentityController } from './identity.controller.js';
import { IdentityRepository } from './identity.repository.js';
import { IdentityService } from './identity.service.js';
import { SchemaController } from './schema.controller.js';

@Module({
  providers: [IdentityRepository, IdentityService],
  exports: [IdentityRepository, IdentityService],
})
export class IdentityModule {
  /** The identities API, for the admin listener. */
  static forAdmin(): DynamicModule {
    return { module: IdentityModule, controllers: [IdentityController] };
  }

  /** The traits schemas, for the public listener. */
  static forPublic(): DynamicModule {
    return { module: IdentityModule, controllers: [SchemaController] };
  }
}
