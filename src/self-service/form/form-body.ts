import type { Request } from 'express';

import { badRequest } from '../../common/errors.js';

/**
 * Returns the parsed body of a form submission, which may be url-encoded or JSON.
 *
 * @throws HttpError 400 for other content types and for bodies that are not an object.
 */
export function readFormBody(request: Request): Record<string, unknown> {
  if (!request.is(['application/x-www-form-urlencoded', 'application/json'])) {
    const type = request.headers['content-type'] ?? '';
    throw badRequest(
      `HTTP POST Request used unknown HTTP Header "Content-Type: ${type}", only [application/x-www-form-urlencoded application/json] are supported.`,
    );
  }
  const body: unknown = request.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('The request body must be a form or a JSON object.');
  }

  return body as Record<string, unknown>;
}

/** The first value of a form field as a string, or an empty string when absent or not text. */
export function firstString(value: unknown): string {
  const first: unknown = Array.isArray(value) ? value[0] : value;

  return typeof first === 'string' ? first : '';
}
