import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, OutgoingHttpHeader, ServerResponse } from 'node:http';

import express, { type CookieOptions, type Request } from 'express';

import type { CoreServices } from '../app/core.module.js';
import { baseCookieOptions } from '../common/cookies.js';
import { CSRF_COOKIE } from '../self-service/csrf/csrf.service.js';
import type { SessionWithIdentity } from './session.repository.js';
import { hashToken, type SessionService } from './session.service.js';

const WHOAMI_PATH = '/sessions/whoami';
const CSRF_SECRET_PATTERN = /^[A-Za-z0-9_-]{24,64}$/;

export type HeaderList = [string, string | number | readonly string[]][];

/**
 * Answers `GET /sessions/whoami` straight from the HTTP server, before Express, when the
 * session is in this process's session cache: API gateways call whoami on every request
 * they forward. It writes the same headers, cookies and JSON as the Nest route. Everything
 * else — a cache miss, no cookie, a bad or expired one, a query string, a CSRF cookie that
 * depends on a proxy's header — returns false, and the request goes on to Express.
 */
export class WhoamiFastPath {
  private readonly cookieName: string;
  private readonly secrets: string[];
  // Behind trusted proxies, whether a new CSRF cookie is Secure depends on X-Forwarded-Proto,
  // which only Express evaluates.
  private readonly csrfCookieNeedsExpress: boolean;
  // The JSON of each cached session, made once; entries go when the cache drops the session.
  private readonly bodies = new WeakMap<SessionWithIdentity, string>();
  // Headers that every answer carries, as name, value, name, value… for writeHead.
  private readonly fixedHeaders: OutgoingHttpHeader[];

  constructor(
    private readonly core: CoreServices,
    private readonly securityHeaders: HeaderList,
    private readonly sessions: () => SessionService | undefined,
    private readonly requestId: (request: IncomingMessage) => string,
  ) {
    const { config } = core;
    this.cookieName = config.sessionCookie.name;
    this.secrets = config.sessionSecrets;
    this.csrfCookieNeedsExpress =
      config.sessionCookie.secure === 'auto' &&
      !config.publicUrlIsHttps &&
      config.trustedProxies.length > 0;
    this.fixedHeaders = [
      ...securityHeaders.flatMap(([name, value]) => [name, value as OutgoingHttpHeader]),
      'Vary',
      'Cookie',
      'Cache-Control',
      'no-store',
      'Content-Type',
      'application/json; charset=utf-8',
    ];
  }

  /** Serves the request and returns true, or returns false without touching it. */
  tryServe(request: IncomingMessage, response: ServerResponse): boolean {
    const sessions = this.sessions();
    if (!sessions || request.method !== 'GET' || request.url !== WHOAMI_PATH) {
      return false;
    }
    const cookies = parseCookies(request.headers.cookie);
    const raw = cookies?.get(this.cookieName);
    if (!cookies || raw === undefined || !raw.startsWith('s:')) {
      return false;
    }
    const token = unsign(raw.slice(2), this.secrets);
    if (token === undefined || token === '') {
      return false;
    }
    const session = this.core.sessionCache.get(hashToken(token));
    if (!session || session.expiresAt.getTime() <= Date.now()) {
      return false;
    }
    const csrfSecret = cookies.get(CSRF_COOKIE);
    const needsCsrfCookie = csrfSecret === undefined || !CSRF_SECRET_PATTERN.test(csrfSecret);
    if (needsCsrfCookie && this.csrfCookieNeedsExpress) {
      return false;
    }

    let body = this.bodies.get(session);
    if (body === undefined) {
      body = JSON.stringify(sessions.toDto(session));
      this.bodies.set(session, body);
    }
    const headers: OutgoingHttpHeader[] = [
      'X-Request-ID',
      this.requestId(request),
      ...this.fixedHeaders,
      'Content-Length',
      Buffer.byteLength(body),
    ];
    if (needsCsrfCookie) {
      headers.push('Set-Cookie', this.csrfCookie());
    }
    response.writeHead(200, headers);
    response.end(body);

    return true;
  }

  /** Makes a new CSRF cookie line, serialised by Express exactly as CsrfService sets it. */
  private csrfCookie(): string {
    const lines: string[] = [];
    const collector = {
      req: {},
      append: (_field: string, value: string) => lines.push(value),
    };
    const { config, csrf } = this.core;
    // Express serialises the cookie; it only needs `append` and `req` on its `this`.
    // eslint-disable-next-line @typescript-eslint/unbound-method
    const setCookie = express.response.cookie as (
      this: unknown,
      name: string,
      value: string,
      options: CookieOptions,
    ) => unknown;
    setCookie.call(collector, CSRF_COOKIE, csrf.newSecret(), {
      ...baseCookieOptions(config, { secure: false } as Request),
      path: new URL(config.publicUrl).pathname,
      maxAge: 365 * 24 * 3600 * 1000,
    });

    return lines[0];
  }
}

/**
 * Checks a signed cookie value (without its `s:` prefix) as cookie-parser does: the value,
 * a dot and its HMAC-SHA256 in unpadded base64, made with any of the secrets. Returns the
 * value, or undefined when no secret made the signature.
 */
function unsign(signed: string, secrets: string[]): string | undefined {
  const dot = signed.lastIndexOf('.');
  if (dot < 0) {
    return undefined;
  }
  const value = signed.slice(0, dot);
  const given = Buffer.from(signed.slice(dot + 1));
  for (const secret of secrets) {
    const expected = Buffer.from(
      createHmac('sha256', secret).update(value).digest('base64').replace(/=+$/, ''),
    );
    if (given.length === expected.length && timingSafeEqual(given, expected)) {
      return value;
    }
  }

  return undefined;
}

/**
 * Parses a Cookie header like the `cookie` package does for the names it finds: the first
 * occurrence wins and values are URI-decoded. Returns undefined for anything unusual (quoted
 * or undecodable values), which Express then handles.
 */
function parseCookies(header: string | undefined): Map<string, string> | undefined {
  const cookies = new Map<string, string>();
  if (!header) {
    return cookies;
  }
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index < 0) {
      continue;
    }
    const name = part.slice(0, index).trim();
    const value = part.slice(index + 1).trim();
    if (value.startsWith('"')) {
      return undefined;
    }
    if (!cookies.has(name)) {
      try {
        cookies.set(name, value.includes('%') ? decodeURIComponent(value) : value);
      } catch {
        return undefined;
      }
    }
  }

  return cookies;
}
