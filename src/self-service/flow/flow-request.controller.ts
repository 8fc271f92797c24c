import { Controller, Get, Inject, Query, Req } from '@nestjs/common';
import { ApiExtraModels, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';

import { ApiErrorResponses } from '../../common/api-responses.js';
import { LISTENER, type Listener } from '../../common/listener.js';
import {
  LoginRequestDto,
  LoginRequestMethodDto,
  RegistrationRequestDto,
  RegistrationRequestMethodDto,
} from './flow-request.dto.js';
import { FlowRequestService } from './flow-request.service.js';

const CSRF_NOTE =
  "Through the public API the browser's cookies must be forwarded, because a request is only shown to the browser that started it; unknown ids get 403 there, so ids cannot be probed. The admin API needs no cookies and answers 404 for unknown ids.";

/** Request getters of login and registration flows, served on both listeners. */
@ApiTags('common')
@ApiExtraModels(LoginRequestMethodDto, RegistrationRequestMethodDto)
@Controller('self-service/browser/flows/requests')
export class FlowRequestController {
  constructor(
    private readonly flows: FlowRequestService,
    @Inject(LISTENER) private readonly listener: Listener,
  ) {}

  @Get('login')
  @ApiOperation({
    operationId: 'getSelfServiceBrowserLoginRequest',
    summary: 'Get the request context of browser-based login user flows',
    description: `Returns a login request with its forms and any errors of the last attempt. ${CSRF_NOTE}`,
  })
  @ApiQuery({ name: 'request', required: true, description: 'Request is the Login Request ID' })
  @ApiResponse({ status: 200, description: 'loginRequest', type: LoginRequestDto })
  @ApiErrorResponses(403, 404, 500)
  getSelfServiceBrowserLoginRequest(
    @Query('request') id: unknown,
    @Req() request: Request,
  ): Promise<LoginRequestDto> {
    return this.flows.fetch('login', id, request, this.listener);
  }

  @Get('registration')
  @ApiOperation({
    operationId: 'getSelfServiceBrowserRegistrationRequest',
    summary: 'Get the request context of browser-based registration user flows',
    description: `Returns a registration request with its forms and any errors of the last attempt. ${CSRF_NOTE}`,
  })
  @ApiQuery({
    name: 'request',
    required: true,
    description: 'Request is the Registration Request ID',
  })
  @ApiResponse({ status: 200, description: 'registrationRequest', type: RegistrationRequestDto })
  @ApiErrorResponses(403, 404, 500)
  getSelfServiceBrowserRegistrationRequest(
    @Query('request') id: unknown,
    @Req() request: Request,
  ): Promise<RegistrationRequestDto> {
    return this.flows.fetch('registration', id, request, this.listener);
  }
}
