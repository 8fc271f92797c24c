import Tokens from 'csrf';
import type { NextFunction, Request, Response } from 'express';

import { baseCookieOptions } from '../../common/cookies.js';
import { badRequest } from '../../common/errors.js';
import type { GatehouseConfig } from '../../config/gatehouse-config.js';

export const CSRF_COOKIE = 'csrf_token';
export const CSRF_HEADER = 'x-csrf-token';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);
const SECRET_PATTERN = /^[A-Za-z0-9_-]{24,64}$/;

declare module 'express-serve-static-core' {
  interface Request {
    /** The browser's CSRF secret, from its cookie or made for this response. */
    csrfSecret?: string;
  }
}

/**
 * Double-submit CSRF protection for browser flows, built on the `csrf` package: the HttpOnly
 * `csrf_token` cookie holds a secret, and every form carries a token derived from it with a
 * fresh salt, so each rendering differs but all of them verify against the one cookie.
 */
export class CsrfService {
  private readonly tokens = new Tokens({ secretLength: 24, saltLength: 16 });

  constructor(private readonly config: GatehouseConfig) {}

  /** Makes a new random secret for a browser's CSRF cookie. */
  newSecret(): string {
    return this.tokens.secretSync();
  }

  /** Makes a token for forms shown to the browser with this secret. */
  createToken(secret: string): string {
    return this.tokens.create(secret);
  }

  /** Whether a token was made from this secret. */
  verify(secret: string | undefined, token: unknown): boolean {
    return (
      typeof secret === 'string' &&
      typeof token === 'string' &&
      token.length < 256 &&
      this.tokens.verify(secret, token)
    );
  }

  /**
   * Express middleware for the public listener: makes sure the browser has a CSRF secret, and
   * rejects unsafe methods whose `X-CSRF-Token` header or `csrf_token` body field does not
   * verify against it, with 400 before any handler runs.
   */
  middleware() {
    return (request: Request, response: Response, next: NextFunction) => {
      response.vary('Cookie');
      const cookie: unknown = request.cookies?.[CSRF_COOKIE];
      if (typeof cookie === 'string' && SECRET_PATTERN.test(cookie)) {
        request.csrfSecret = cookie;
      } else {
        request.csrfSecret = this.tokens.secretSync();
        this.setCookie(request, response, request.csrfSecret);
      }
      if (SAFE_METHODS.has(request.method)) {
        next();

        return;
      }
      const token = request.get(CSRF_HEADER) ?? readBodyToken(request.body);
      if (!this.verify(request.csrfSecret, token)) {
        next(badRequest('CSRF token is missing or invalid.'));

        return;
      }
      next();
    };
  }

  /** Gives the browser a new secret, which invalidates every form it was shown before. */
  rotate(request: Request, response: Response): void {
    request.csrfSecret = this.tokens.secretSync();
    this.setCookie(request, response, request.csrfSecret);
  }

  private setCookie(request: Request, response: Response, secret: string): void {
    response.cookie(CSRF_COOKIE, secret, {
      ...baseCookieOptions(this.config, request),
      path: new URL(this.config.publicUrl).pathname,
      maxAge: 365 * 24 * 3600 * 1000,
    });
  }
}

function readBodyToken(body: unknown): unknown {
  if (typeof body !== 'object' || body === null) {
    return undefined;
  }
  const token = (body as Record<string, unknown>).csrf_token;

  return Array.isArray(token) ? token[0] : token;
}
