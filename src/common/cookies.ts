import type { CookieOptions, Request } from 'express';

import type { GatehouseConfig } from '../config/gatehouse-config.js';

/**
 * Attributes shared by Gatehouse's cookies: HttpOnly, SameSite as configured, and Secure when
 * configured so, or in `auto` mode when the public URL is https or a trusted proxy reports https.
 */
export function baseCookieOptions(config: GatehouseConfig, request: Request): CookieOptions {
  const mode = config.sessionCookie.secure;
  const secure =
    mode === 'always' || (mode === 'auto' && (config.publicUrlIsHttps || request.secure));

  return {
    httpOnly: true,
    secure,
    sameSite: config.sessionCookie.same_site,
    path: '/',
  };
}
