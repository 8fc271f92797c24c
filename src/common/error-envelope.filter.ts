import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';

import { sendErrorResponse } from './error-response.js';

/** Renders every error of a listener as the error envelope. */
@Catch()
export class ErrorEnvelopeFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendErrorResponse(error, http.getRequest<Request>(), http.getResponse<Response>(), this.logger);
  }
}
