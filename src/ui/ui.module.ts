import { Module } from '@nestjs/common';

import { FlowModule } from '../self-service/flow/flow.module.js';
import { UiController } from './ui.controller.js';

/** The built-in plain-HTML pages of the browser flows, on the public listener. */
@Module({
  imports: [FlowModule],
  controllers: [UiController],
})
export class UiModule {}
