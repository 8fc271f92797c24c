import { Module, type DynamicModule } from '@nestjs/common';

import { IdentityModule } from '../identity/identity.module.js';
import { SessionController } from './session.controller.js';
import { SessionRepository } from './session.repository.js';
import { SessionService } from './session.service.js';

@Module({
  imports: [IdentityModule],
  providers: [SessionRepository, SessionService],
  exports: [SessionService, SessionRepository],
})
export class SessionModule {
  /** Adds the whoami endpoint; sessions have no admin endpoints. */
  static forPublic(): DynamicModule {
    return { module: SessionModule, controllers: [SessionController] };
  }
}
