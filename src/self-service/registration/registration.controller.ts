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
import { RegistrationService } from './registration.service.js';

/** Browser registration endpoints of the public listener. */
@ApiTags('public')
@Controller('self-service/browser/flows/registration')
export class RegistrationController {
  constructor(private readonly registration: RegistrationService) {}

  @Get()
  @ApiOperation({
    operationId: 'initializeSelfServiceBrowserRegistrationFlow',
    summary: 'Initialize browser-based registration user flow',
    description:
      'Starts a registration flow and redirects the browser to urls.registration_ui with the request id. A browser with a valid session goes to urls.default_return_to instead. Only for browsers, not for API clients.',
  })
  @ApiQuery({
    name: 'return_to',
    required: false,
    description: 'Where to go after registration; must be on urls.whitelisted_return_to_domains.',
  })
  @ApiResponse({ status: 302, description: 'Redirect to the registration page.' })
  @ApiErrorResponses(500)
  initializeSelfServiceBrowserRegistrationFlow(
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    return this.registration.start(request, response);
  }

  @Post('strategies/password')
  @HttpCode(302)
  @ApiOperation({
    operationId: 'completeSelfServiceBrowserPasswordRegistrationFlow',
    summary: 'Complete a browser registration with traits and a password',
    description:
      'The action of the password registration form: fields traits.<name>, password and csrf_token. On success the registration hooks run (by default: a session cookie, then a redirect); on failure the browser returns to the registration page, whose request now carries the errors.',
  })
  @ApiQuery({ name: 'request', required: true, description: 'Id of the registration request.' })
  @ApiConsumes('application/x-www-form-urlencoded', 'application/json')
  @ApiBody({
    required: true,
    schema: {
      type: 'object',
      required: ['password', 'csrf_token'],
      properties: {
        password: { type: 'string', format: 'password' },
        csrf_token: { type: 'string', description: 'The csrf_token field of the form.' },
      },
      additionalProperties: {
        description: 'One field traits.<name> for each trait of the identity schema.',
      },
    },
  })
  @ApiResponse({
    status: 302,
    description: 'Redirect to the return URL, or back to the registration page.',
  })
  @ApiErrorResponses(400, 500)
  completeSelfServiceBrowserPasswordRegistrationFlow(
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    return this.registration.submit(request, response);
  }
}
