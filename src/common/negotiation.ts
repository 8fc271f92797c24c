import type { Request } from 'express';

/**
 * Whether a browser-flow request asked for JSON rather than a redirect: its Accept header
 * prefers application/json over HTML. `Accept: *\/*` (curl's default) counts as JSON; no
 * Accept header at all does not.
 */
export function prefersJson(request: Request): boolean {
  if (!request.headers.accept) {
    return false;
  }

  return request.accepts(['application/json', 'text/html', 'text/*', '*/*']) === 'application/json';
}
