import { Module, type DynamicModule } from '@nestjs/common';

import { FlowModule } from '../flow/flow.module.js';
import { RegistrationController } from './registration.controller.js';
import { RegistrationService } from './registration.service.js';

@Module({
  imports: [FlowModule],
  providers: [RegistrationService],
})
export class RegistrationModule {
  static forPublic(): DynamicModule {
    return { module: RegistrationModule, controllers: [RegistrationController] };
  }
}
