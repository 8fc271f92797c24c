import { Module, type DynamicModule } from '@nestjs/common';

import { SelfServiceErrorController } from './errors/self-service-error.controller.js';
import { ExpiredRowsCleaner } from './flow/expired-rows.cleaner.js';
import { FlowRequestController } from './flow/flow-request.controller.js';
import { FlowModule } from './flow/flow.module.js';
import { LoginModule } from './login/login.module.js';
import { LogoutController } from './logout/logout.controller.js';
import { ProfileRequestController } from './profile/profile-request.controller.js';
import { ProfileController } from './profile/profile.controller.js';
import { ProfileModule } from './profile/profile.module.js';
import { RegistrationModule } from './registration/registration.module.js';

/**
 * Browser self-service flows. The public listener serves the whole flows; the admin listener
 * serves only the request and error getters, for UIs that render forms server side.
 */
@Module({})
export class SelfServiceModule {
  static forPublic(): DynamicModule {
    return {
      module: SelfServiceModule,
      imports: [FlowModule, LoginModule.forPublic(), RegistrationModule.forPublic(), ProfileModule],
      controllers: [
        FlowRequestController,
        SelfServiceErrorController,
        LogoutController,
        ProfileController,
        ProfileRequestController,
      ],
      providers: [ExpiredRowsCleaner],
    };
  }

  static forAdmin(): DynamicModule {
    return {
      module: SelfServiceModule,
      imports: [FlowModule, ProfileModule],
      controllers: [FlowRequestController, SelfServiceErrorController, ProfileRequestController],
    };
  }
}
