import type { CookieOptions, Request } from 'express';

import type { GatehouseConfig } from '../config/gatehouse-config.js';

/**
 * Attributes shared by Gatehouse's cookies: HttpOnly, SameSite as configured, and Secure when
 * configured so, or in `auto` mode when the public URL is https or a trusted proxy reports https.
 * SameSite=None cookies are always Secure, because browsers reject them otherwise.
 */
export function baseCookieOptions(config: GatehouseConfig, request: Request): CookieOptions {
  const mode = config.sessionCookie.secure;
  const secure =
    config.sessionCookie.same_site === 'none' ||
    mode === 'always' ||
    (mode === 'auto' && (config.publicUrlIsHttps || request.secure));

  return {
    httpOnly: true,
    secure,
    sameSite: config.sessionCookie.same_site,
    path: '/',
  };
}
