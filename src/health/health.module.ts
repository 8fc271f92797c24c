import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';

import { HealthController } from './health.controller.js';
import { VersionController } from './version.controller.js';

/** Liveness, readiness and version endpoints, identical on both listeners. */
@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController, VersionController],
})
export class HealthModule {}
