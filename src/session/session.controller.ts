import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';

import { ApiErrorResponses } from '../common/api-responses.js';
import { SessionDto } from './session.dto.js';
import { SessionService } from './session.service.js';

@ApiTags('public')
@Controller('sessions')
export class SessionController {
  constructor(private readonly sessions: SessionService) {}

  @Get('whoami')
  @ApiOperation({
    operationId: 'whoami',
    summary: 'Check who the current HTTP session belongs to',
    description:
      'Reads the session cookie and returns the session with its identity, or 401 when the cookie is missing, forged, expired or revoked. Reverse proxies and API gateways call this to authenticate requests.',
  })
  @ApiResponse({ status: 200, description: 'session', type: SessionDto })
  @ApiErrorResponses(401, 403, 500)
  whoami(
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<SessionDto> {
    response.setHeader('Cache-Control', 'no-store');

    return this.sessions.whoami(request, response);
  }
}
