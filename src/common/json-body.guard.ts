import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';

import { HttpError } from './errors.js';

/** Rejects requests whose body is not declared as JSON with 415, before the handler runs. */
@Injectable()
export class JsonBodyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    if (!request.is('application/json')) {
      const given = request.headers['content-type'] ?? 'none';
      throw new HttpError(415, {
        reason: `The request body must be JSON with Content-Type: application/json, but the Content-Type is ${JSON.stringify(given)}.`,
      });
    }

    return true;
  }
}
