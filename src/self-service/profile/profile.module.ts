import { Module } from '@nestjs/common';

import { FlowModule } from '../flow/flow.module.js';
import { ProfileRequestRepository } from './profile-request.repository.js';
import { ProfileService } from './profile.service.js';

/** Profile management: the service and storage behind the profile endpoints and the profile page. */
@Module({
  imports: [FlowModule],
  providers: [ProfileRequestRepository, ProfileService],
  exports: [ProfileRequestRepository, ProfileService],
})
export class ProfileModule {}
