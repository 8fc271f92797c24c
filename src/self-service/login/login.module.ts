import { Module, type DynamicModule } from '@nestjs/common';

import { FlowModule } from '../flow/flow.module.js';
import { LoginController } from './login.controller.js';
import { LoginService } from './login.service.js';

@Module({
  imports: [FlowModule],
  providers: [LoginService],
})
export class LoginModule {
  static forPublic(): DynamicModule {
    return { module: LoginModule, controllers: [LoginController] };
  }
}
