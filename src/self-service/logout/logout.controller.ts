import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';

import { ApiErrorResponses } from '../../common/api-responses.js';
import { GatehouseConfig } from '../../config/gatehouse-config.js';
import { SessionService } from '../../session/session.service.js';
import { CsrfService } from '../csrf/csrf.service.js';

@ApiTags('public')
@Controller('self-service/browser/flows/logout')
export class LogoutController {
  constructor(
    private readonly sessions: SessionService,
    private readonly csrf: CsrfService,
    private readonly config: GatehouseConfig,
  ) {}

  @Get()
  @ApiOperation({
    operationId: 'initializeSelfServiceBrowserLogoutFlow',
    summary: 'Initialize Browser-Based Logout User Flow',
    description:
      'Revokes the session of the browser, so that its cookie stops working everywhere at once, clears the session cookie, renews the CSRF cookie and redirects to selfservice.logout.redirect_to. Only for browsers.',
  })
  @ApiResponse({ status: 302, description: 'Redirect to selfservice.logout.redirect_to.' })
  @ApiErrorResponses(500)
  async initializeSelfServiceBrowserLogoutFlow(
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    await this.sessions.revoke(request, response);
    this.csrf.rotate(request, response);
    response.redirect(302, this.config.logoutRedirectTo);
  }
}
