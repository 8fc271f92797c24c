import { Module } from '@nestjs/common';

import { IdentityModule } from '../../identity/identity.module.js';
import { SessionModule } from '../../session/session.module.js';
import { SelfServiceErrorRepository } from '../errors/self-service-error.repository.js';
import { SelfServiceErrorService } from '../errors/self-service-error.service.js';
import { AfterHooksService } from '../hooks/after-hooks.service.js';
import { FlowRequestRepository } from './flow-request.repository.js';
import { FlowRequestService } from './flow-request.service.js';

/** What the login, registration and profile flows share: request storage, error page and hooks. */
@Module({
  imports: [IdentityModule, SessionModule],
  providers: [
    FlowRequestRepository,
    FlowRequestService,
    SelfServiceErrorRepository,
    SelfServiceErrorService,
    AfterHooksService,
  ],
  exports: [
    IdentityModule,
    SessionModule,
    FlowRequestRepository,
    FlowRequestService,
    SelfServiceErrorService,
    AfterHooksService,
  ],
})
export class FlowModule {}
