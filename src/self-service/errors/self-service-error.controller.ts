import { Controller, Get, Inject, Query, Req } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';

import { ApiErrorResponses } from '../../common/api-responses.js';
import { LISTENER, type Listener } from '../../common/listener.js';
import { SelfServiceErrorDto } from './self-service-error.dto.js';
import { SelfServiceErrorService } from './self-service-error.service.js';

/** Serves stored flow errors on both listeners. */
@ApiTags('common')
@Controller('self-service/errors')
export class SelfServiceErrorController {
  constructor(
    private readonly errors: SelfServiceErrorService,
    @Inject(LISTENER) private readonly listener: Listener,
  ) {}

  @Get()
  @ApiOperation({
    operationId: 'getSelfServiceError',
    summary: 'Get a self-service error',
    description:
      'Returns an error that a self-service flow stored for the error page. Through the public API only the browser that caused the error can read it, so forward its cookies; unknown ids get 403 there and 404 on the admin API.',
  })
  @ApiQuery({ name: 'error', required: true, description: 'Error id from the error page URL.' })
  @ApiResponse({ status: 200, description: 'selfServiceError', type: SelfServiceErrorDto })
  @ApiErrorResponses(403, 404, 500)
  getSelfServiceError(
    @Query('error') id: unknown,
    @Req() request: Request,
  ): Promise<SelfServiceErrorDto> {
    return this.errors.get(id, request.csrfSecret, this.listener);
  }
}
