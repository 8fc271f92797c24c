import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';

import { badRequest, HttpError } from './errors.js';

/**
 * Rejects requests whose body is not declared as JSON with 415, and empty JSON bodies with
 * 400, before the handler runs. The JSON parser reads an empty body as `{}`, which would
 * otherwise pass for an identity with default values.
 */
@Injectable()
export class JsonBodyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    // NOTE: an empty body sent with chunked transfer encoding has no Content-Length and still
    // reaches the handler as {}.
    if (request.headers['content-length'] === '0') {
      throw badRequest('The request body is empty; send the resource as a JSON object.');
    }
    if (!request.is('application/json')) {
      const given = request.headers['content-type'] ?? 'none';
      throw new HttpError(415, {
        reason: `The request body must be JSON with Content-Type: application/json, but the Content-Type is ${JSON.stringify(given)}.`,
      });
    }

    return true;
  }
}
