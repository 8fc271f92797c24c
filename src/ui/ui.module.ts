import { Module } from '@nestjs/common';

import { FlowModule } from '../self-service/flow/flow.module.js';
import { ProfileModule } from '../self-service/profile/profile.module.js';
import { ProfileUiController } from './profile-ui.controller.js';
import { UiController } from './ui.controller.js';

/** The built-in plain-HTML pages of the browser flows, on the public listener. */
@Module({
  imports: [FlowModule, ProfileModule],
  controllers: [UiController, ProfileUiController],
})
export class UiModule {}
