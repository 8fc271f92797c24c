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
import { LoginService } from './login.service.js';

/** Browser login endpoints of the public listener. */
@ApiTags('public')
@Controller('self-service/browser/flows/login')
export class LoginController {
  constructor(private readonly login: LoginService) {}

  @Get()
  @ApiOperation({
    operationId: 'initializeSelfServiceBrowserLoginFlow',
    summary: 'Initialize browser-based login user flow',
    description:
      'Starts a login flow and redirects the browser to urls.login_ui with the request id. A browser with a valid session goes to urls.default_return_to instead. Only for browsers, not for API clients.',
  })
  @ApiQuery({
    name: 'return_to',
    required: false,
    description: 'Where to go after login; must be on urls.whitelisted_return_to_domains.',
  })
  @ApiResponse({ status: 302, description: 'Redirect to the login page.' })
  @ApiErrorResponses(500)
  initializeSelfServiceBrowserLoginFlow(
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    return this.login.start(request, response);
  }

  @Post('strategies/password')
  @HttpCode(302)
  @ApiOperation({
    operationId: 'completeSelfServiceBrowserPasswordLoginFlow',
    summary: 'Complete a browser login with identifier and password',
    description:
      'The action of the password login form. On success the login hooks run (by default: a session cookie, then a redirect); on failure the browser returns to the login page, whose request now carries the errors.',
  })
  @ApiQuery({ name: 'request', required: true, description: 'Id of the login request.' })
  @ApiConsumes('application/x-www-form-urlencoded', 'application/json')
  @ApiBody({
    required: true,
    schema: {
      type: 'object',
      required: ['identifier', 'password', 'csrf_token'],
      properties: {
        identifier: { type: 'string', description: 'The login identifier, such as the email.' },
        password: { type: 'string', format: 'password' },
        csrf_token: { type: 'string', description: 'The csrf_token field of the form.' },
      },
    },
  })
  @ApiResponse({
    status: 302,
    description: 'Redirect to the return URL, or back to the login page.',
  })
  @ApiErrorResponses(400, 429, 500)
  completeSelfServiceBrowserPasswordLoginFlow(
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    return this.login.submit(request, response);
  }
}
