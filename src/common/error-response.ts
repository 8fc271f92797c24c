import { HttpException } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';

import { translateDatabaseError } from '../database/prisma-errors.js';
import { HttpError, type ErrorEnvelope } from './errors.js';

/**
 * Converts anything thrown while serving a request into an HttpError: Gatehouse's own errors
 * as they are, Nest's and body-parser's by their status, database outages as 503, and all
 * else as a 500 that hides its cause.
 */
export function normalizeError(error: unknown): HttpError {
  const translated = translateDatabaseError(error);
  if (translated instanceof HttpError) {
    return translated;
  }
  if (translated instanceof HttpException) {
    const status = translated.getStatus();

    return new HttpError(status, {
      reason: status === 404 ? 'No resource exists at this path.' : undefined,
    });
  }
  const status = (translated as { status?: unknown; type?: unknown })?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new HttpError(status, {
      reason: bodyParserReason(translated as { type?: string; message?: string }),
    });
  }

  return new HttpError(500);
}

function bodyParserReason(error: { type?: string; message?: string }): string | undefined {
  switch (error.type) {
    case 'entity.parse.failed':
      return 'The request body is not valid JSON.';
    case 'entity.too.large':
      return 'The request body is larger than the configured limit (serve.body_limit).';
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return 'The request body uses an unsupported character encoding; send UTF-8.';
    case 'request.aborted':
      return 'The client aborted the request.';
    case 'parameters.too.many':
      return 'The form has too many fields.';
    case 'json.too.deep':
      return error.message;
    default:
      return undefined;
  }
}

/** Sends an error as the envelope, with the request id; 5xx causes are logged, never sent. */
export function sendErrorResponse(
  error: unknown,
  request: Request,
  response: Response,
  logger: Logger,
): void {
  const httpError = normalizeError(error);
  // Query strings stay out of logs: they can carry return_to URLs and other user input.
  const req = { id: request.id, method: request.method, path: request.path };
  if (httpError.code >= 500 && httpError.code !== 503) {
    logger.error({ err: error, req }, 'Request failed');
  } else if (httpError.code === 503 && !(error instanceof HttpError)) {
    logger.warn(
      { req, cause: describeCause(error) },
      'Request failed: the database is unavailable',
    );
  }
  if (response.headersSent) {
    response.destroy();

    return;
  }
  const requestId = typeof request.id === 'string' ? request.id : undefined;
  const envelope: ErrorEnvelope = { error: httpError.toPayload(requestId) };
  for (const [name, value] of Object.entries(httpError.headers ?? {})) {
    response.setHeader(name, value);
  }
  response.status(httpError.code).type('application/json').send(JSON.stringify(envelope));
}

function describeCause(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);

  return message.trim().split('\n').pop() ?? message;
}
