import { Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiOperation,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';

import { ApiErrorResponses } from '../../common/api-responses.js';
import { CompleteSelfServiceBrowserProfileManagementFlowPayloadDto } from './profile.dto.js';
import { ProfileService } from './profile.service.js';

/** Browser profile management endpoints of the public listener. */
@ApiTags('public')
@Controller('self-service/browser/flows/profile')
export class ProfileController {
  constructor(private readonly profile: ProfileService) {}

  @Get()
  @ApiOperation({
    operationId: 'initializeSelfServiceProfileManagementFlow',
    summary: 'Initialize browser-based profile management flow',
    description:
      'Starts a profile management flow for the signed-in identity and redirects the browser to urls.profile_ui with the request id. A browser without a valid session is sent to the login flow, which returns here after login. Only for browsers, not for API clients.',
  })
  @ApiResponse({
    status: 302,
    description: 'Redirect to the profile page, or to the login flow without a session.',
  })
  @ApiErrorResponses(500)
  initializeSelfServiceProfileManagementFlow(
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    return this.profile.start(request, response);
  }

  @Post('update')
  @HttpCode(302)
  @ApiOperation({
    operationId: 'completeSelfServiceBrowserProfileManagementFlow',
    summary: 'Complete the browser-based profile management flows',
    description:
      "The action of the profile form. Valid traits replace the identity's traits, and a changed identifier trait changes the login identifier; invalid ones are stored as errors on the request. Either way the browser returns to urls.profile_ui with the same request id. Without a session the browser goes to urls.login_ui. Clients whose Accept header prefers JSON get failures as an error envelope instead.",
  })
  @ApiQuery({
    name: 'request',
    required: false,
    description: 'Id of the profile request. A submission without it goes to the error page.',
  })
  @ApiConsumes('application/x-www-form-urlencoded', 'application/json')
  @ApiBody({ type: CompleteSelfServiceBrowserProfileManagementFlowPayloadDto })
  @ApiResponse({ status: 302, description: 'Redirect back to the profile page.' })
  @ApiErrorResponses(400, 403, 404, 500)
  completeSelfServiceBrowserProfileManagementFlow(
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    return this.profile.submit(request, response);
  }
}
