import { createHash, randomBytes, randomUUID } from 'node:crypto';

import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';

import { baseCookieOptions } from '../common/cookies.js';
import { unauthorized } from '../common/errors.js';
import { GatehouseConfig } from '../config/gatehouse-config.js';
import type { Identity } from '../identity/identity.repository.js';
import { IdentityService } from '../identity/identity.service.js';
import type { SessionDto } from './session.dto.js';
import { SessionRepository, type SessionWithIdentity } from './session.repository.js';

/**
 * Issues, resolves and revokes sessions. The cookie carries only a random token signed with
 * `secrets.session`; the database stores the token's SHA-256 hash, so a copy of the database
 * does not yield working cookies.
 */
@Injectable()
export class SessionService {
  constructor(
    private readonly sessions: SessionRepository,
    private readonly identities: IdentityService,
    private readonly config: GatehouseConfig,
  ) {}

  /** Stores a new session for the identity and sets its cookie on the response. */
  async issue(
    identity: Identity,
    request: Request,
    response: Response,
  ): Promise<SessionWithIdentity> {
    const now = new Date();
    const token = randomBytes(32).toString('base64url');
    const session = {
      id: randomUUID(),
      identityId: identity.id,
      issuedAt: now,
      authenticatedAt: now,
      expiresAt: new Date(now.getTime() + this.config.sessionTtlMs),
    };
    await this.sessions.create(session, hashToken(token));
    response.cookie(this.config.sessionCookie.name, token, {
      ...baseCookieOptions(this.config, request),
      signed: true,
      expires: session.expiresAt,
    });

    return { ...session, identity };
  }

  /**
   * Returns the session of the request's cookie, or undefined when there is no valid one.
   * A cookie with a bad signature, or one whose session expired or was revoked, is cleared.
   */
  async resolve(
    request: Request,
    response: Response,
    options: { cached?: boolean } = {},
  ): Promise<SessionWithIdentity | undefined> {
    const name = this.config.sessionCookie.name;
    const token: unknown = request.signedCookies?.[name];
    if (token === undefined) {
      if (request.cookies?.[name] !== undefined) {
        this.clearCookie(request, response);
      }

      return undefined;
    }
    if (typeof token !== 'string' || token === '') {
      this.clearCookie(request, response);

      return undefined;
    }
    const tokenHash = hashToken(token);
    const session = options.cached
      ? await this.sessions.findByTokenHashCached(tokenHash)
      : await this.sessions.findByTokenHash(tokenHash);
    if (!session || session.expiresAt.getTime() <= Date.now()) {
      this.clearCookie(request, response);

      return undefined;
    }

    return session;
  }

  /**
   * Returns the session of the request's cookie from whoami's cache or the database, or
   * undefined when the cookie is missing or matches no valid session. Unlike resolve,
   * it never touches the response, so a caller can hand the request on to whoami unchanged.
   */
  async peek(request: Request): Promise<SessionWithIdentity | undefined> {
    const token: unknown = request.signedCookies?.[this.config.sessionCookie.name];
    if (typeof token !== 'string' || token === '') {
      return undefined;
    }
    const session = await this.sessions.findByTokenHashCached(hashToken(token));

    return session && session.expiresAt.getTime() > Date.now() ? session : undefined;
  }

  /**
   * Returns the request's session.
   *
   * @throws HttpError 401 when there is none.
   */
  async whoami(request: Request, response: Response): Promise<SessionDto> {
    const session = await this.resolve(request, response, { cached: true });
    if (!session) {
      throw unauthorized('No valid session cookie found.');
    }

    return this.toDto(session);
  }

  /** Deletes the request's session, if any, and clears its cookie. */
  async revoke(request: Request, response: Response): Promise<void> {
    const token: unknown = request.signedCookies?.[this.config.sessionCookie.name];
    if (typeof token === 'string' && token !== '') {
      await this.sessions.deleteByTokenHash(hashToken(token));
    }
    this.clearCookie(request, response);
  }

  /** Deletes every session of an identity. */
  async revokeAll(identityId: string): Promise<void> {
    await this.sessions.deleteByIdentity(identityId);
  }

  toDto(session: SessionWithIdentity): SessionDto {
    return {
      sid: session.id,
      expires_at: session.expiresAt.toISOString(),
      authenticated_at: session.authenticatedAt.toISOString(),
      issued_at: session.issuedAt.toISOString(),
      identity: this.identities.toDto(session.identity),
    };
  }

  private clearCookie(request: Request, response: Response): void {
    const {
      expires: _expires,
      maxAge: _maxAge,
      ...options
    } = baseCookieOptions(this.config, request);
    response.clearCookie(this.config.sessionCookie.name, options);
  }
}

/** Returns the SHA-256 hash of a cookie token, under which the database stores its session. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
