import { randomUUID } from 'node:crypto';

import { Injectable, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';

import { forbidden, HttpError, resourceNotFound, toHttpError } from '../../common/errors.js';
import { isUuid } from '../../common/uuid.js';
import { withQuery } from '../../common/url.js';
import { GatehouseConfig } from '../../config/gatehouse-config.js';
import { translateDatabaseError } from '../../database/prisma-errors.js';
import { CsrfService } from '../csrf/csrf.service.js';
import type { SelfServiceErrorDto } from './self-service-error.dto.js';
import { SelfServiceErrorRepository } from './self-service-error.repository.js';

/** Stores flow errors that cannot be shown on a form, and serves them to the error page. */
@Injectable()
export class SelfServiceErrorService {
  private readonly logger = new Logger(SelfServiceErrorService.name);

  constructor(
    private readonly errors: SelfServiceErrorRepository,
    private readonly csrf: CsrfService,
    private readonly config: GatehouseConfig,
  ) {}

  /**
   * Stores the error and redirects the browser to the error page with its id. When the error
   * cannot be stored, for example because the database is down, it is sent as an envelope instead.
   */
  async redirectToErrorUi(request: Request, response: Response, error: unknown): Promise<void> {
    const httpError = toHttpError(translateDatabaseError(error));
    if (httpError.code >= 500) {
      this.logger.error({ err: error }, 'Self-service flow failed');
    }
    const id = randomUUID();
    try {
      await this.errors.create({
        id,
        errors: [httpError.toPayload()],
        csrfToken: request.csrfSecret ? this.csrf.createToken(request.csrfSecret) : '',
      });
    } catch (storeError) {
      throw translateDatabaseError(storeError);
    }
    response.redirect(302, withQuery(this.config.errorUi, { error: id }));
  }

  /**
   * Returns a stored error. Through the public listener only the browser that caused it may
   * read it; anyone else, and any unknown id, gets 403 so that ids cannot be probed.
   *
   * @throws HttpError 403 (public) or 404 (admin).
   */
  async get(
    id: unknown,
    csrfSecret: string | undefined,
    listener: 'public' | 'admin',
  ): Promise<SelfServiceErrorDto> {
    const denied = (): HttpError =>
      listener === 'public'
        ? forbidden('A request failed due to a missing or invalid csrf_token value.')
        : resourceNotFound();
    if (!isUuid(id)) {
      throw denied();
    }
    const stored = await this.errors.findAndMarkSeen(id.toLowerCase());
    if (!stored || (listener === 'public' && !this.csrf.verify(csrfSecret, stored.csrfToken))) {
      throw denied();
    }

    return { id: stored.id, errors: stored.errors };
  }
}
