import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';

import { ApiErrorResponses } from '../common/api-responses.js';
import { VERSION } from '../version.js';
import { VersionDto } from './health.dto.js';

@ApiTags('version')
@Controller('version')
export class VersionController {
  @Get()
  @ApiOperation({
    operationId: 'getVersion',
    summary: 'Get service version',
    description: 'Returns the version of this Gatehouse instance.',
  })
  @ApiResponse({ status: 200, description: 'version', type: VersionDto })
  @ApiErrorResponses(500)
  getVersion(): VersionDto {
    return { version: VERSION };
  }
}
