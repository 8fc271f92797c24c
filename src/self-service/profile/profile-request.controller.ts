import { Controller, Get, Inject, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';

import { ApiErrorResponses } from '../../common/api-responses.js';
import { LISTENER, type Listener } from '../../common/listener.js';
import { ProfileManagementRequestDto } from './profile.dto.js';
import { ProfileService } from './profile.service.js';

/** The profile request getter, served on both listeners. */
@ApiTags('common')
@Controller('self-service/browser/flows/requests')
export class ProfileRequestController {
  constructor(
    private readonly profile: ProfileService,
    @Inject(LISTENER) private readonly listener: Listener,
  ) {}

  @Get('profile')
  @ApiOperation({
    operationId: 'getSelfServiceBrowserProfileManagementRequest',
    summary: 'Get the request context of browser-based profile management flows',
    description:
      "Returns a profile request with its form and the result of the last attempt. Through the public API the browser's cookies must be forwarded: only the identity of the session that started the request may read it, unknown and foreign ids get the same 403, and a request without a session is redirected to urls.login_ui. The admin API needs no cookies and answers 404 for unknown ids.",
  })
  @ApiQuery({ name: 'request', required: true, description: 'Id of the profile request.' })
  @ApiResponse({
    status: 200,
    description: 'profileManagementRequest',
    type: ProfileManagementRequestDto,
  })
  @ApiResponse({
    status: 302,
    description: 'Public API without a session: redirect to urls.login_ui.',
  })
  @ApiErrorResponses(403, 404, 500)
  async getSelfServiceBrowserProfileManagementRequest(
    @Query('request') id: unknown,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const profile = await this.profile.fetch(id, this.listener, request, response);
    if (profile) {
      response.status(200).json(profile);
    }
  }
}
