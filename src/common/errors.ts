import { STATUS_CODES } from 'node:http';

/** Generic `message` of each error class, as clients of the ORY Kratos API expect it. */
const STANDARD_MESSAGES: Record<number, string> = {
  400: 'The request was malformed or contained invalid parameters',
  401: 'The request could not be authorized',
  403: 'The requested action was forbidden',
  404: 'The requested resource could not be found',
  405: 'The request method is not supported by this resource',
  409: 'The resource could not be created due to a conflict',
  413: 'The request body is too large',
  415: 'The request used an unsupported content type',
  429: 'Too many requests, please try again later',
  500: 'An internal server error occurred, please contact the system administrator',
  503: 'The service is temporarily unavailable, please try again later',
};

export interface ErrorFields {
  /** Specific, human-readable explanation. */
  reason?: string;
  /** Developer detail; never a stack trace. */
  debug?: string;
  /** Keys mapped to lists of values, such as JSON pointers mapped to validation messages. */
  details?: Record<string, unknown[]>;
  /** Replaces the class's generic message. */
  message?: string;
  /** Extra response headers, such as Retry-After. */
  headers?: Record<string, string>;
}

/** The body of every error response: the reference `genericError` envelope. */
export interface ErrorEnvelope {
  error: ErrorPayload;
}

export interface ErrorPayload {
  code: number;
  status?: string;
  request?: string;
  reason?: string;
  debug?: string;
  details?: Record<string, unknown[]>;
  message: string;
}

/** An error with an HTTP status, rendered as the error envelope wherever it is raised. */
export class HttpError extends Error {
  readonly reason?: string;
  readonly debug?: string;
  readonly details?: Record<string, unknown[]>;
  readonly headers?: Record<string, string>;

  constructor(
    readonly code: number,
    fields: ErrorFields = {},
  ) {
    super(fields.message ?? STANDARD_MESSAGES[code] ?? STATUS_CODES[code] ?? 'Error');
    this.name = 'HttpError';
    this.reason = fields.reason;
    this.debug = fields.debug;
    this.details = fields.details;
    this.headers = fields.headers;
  }

  get status(): string {
    return STATUS_CODES[this.code] ?? 'Error';
  }

  /** The envelope payload without the request id, as stored for the error UI. */
  toPayload(requestId?: string): ErrorPayload {
    return {
      code: this.code,
      status: this.status,
      ...(requestId ? { request: requestId } : {}),
      ...(this.reason ? { reason: this.reason } : {}),
      ...(this.debug ? { debug: this.debug } : {}),
      ...(this.details && Object.keys(this.details).length > 0 ? { details: this.details } : {}),
      message: this.message,
    };
  }
}

export const badRequest = (reason: string, fields: ErrorFields = {}) =>
  new HttpError(400, { reason, ...fields });
export const unauthorized = (reason: string, fields: ErrorFields = {}) =>
  new HttpError(401, { reason, ...fields });
export const forbidden = (reason: string, fields: ErrorFields = {}) =>
  new HttpError(403, { reason, ...fields });
export const notFound = (reason?: string, fields: ErrorFields = {}) =>
  new HttpError(404, { reason, ...fields });
export const conflict = (reason: string, fields: ErrorFields = {}) =>
  new HttpError(409, { reason, ...fields });
export const internalError = (reason: string, fields: ErrorFields = {}) =>
  new HttpError(500, { reason, ...fields });

/** The storage layer's answer for a missing row. */
export const resourceNotFound = () =>
  new HttpError(404, { message: 'Unable to locate the resource' });

/** Raised when the database cannot be reached or does not answer in time. */
export const databaseUnavailable = () =>
  new HttpError(503, {
    reason: 'The database is unavailable. Please try again in a moment.',
    headers: { 'Retry-After': '1' },
  });

/** Converts anything thrown to an HttpError; unknown errors become a 500 without their text. */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) {
    return error;
  }

  return new HttpError(500);
}
