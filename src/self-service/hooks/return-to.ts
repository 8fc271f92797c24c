import { badRequest } from '../../common/errors.js';

// Whitespace, control characters and backslashes: browsers repair them in ways that can move a
// URL to another host (`/\evil.test` becomes `//evil.test`), so such targets are never followed.
// eslint-disable-next-line no-control-regex -- matching control characters is the point.
const UNSAFE_CHARACTERS = /[\s\u0000-\u001f\u007f\\]/;

/**
 * Resolves a `return_to` value to an absolute URL that is safe to redirect to.
 *
 * - Missing or empty: the default.
 * - A path such as `/welcome?tab=1`: kept, on the scheme and host of the default.
 * - An absolute http(s) URL: only when an allowed entry has the same scheme and host (with
 *   port), compared case-insensitively; the entry's path does not matter. A URL under
 *   `ownBaseUrl` (same scheme and host, path below its path) is allowed as well, so that flows
 *   can return to Gatehouse's own endpoints without an allow-list entry for its whole host.
 *
 * @throws HttpError 400 for anything else, such as another host, `//host`, credentials in the URL
 *   or characters that browsers would reinterpret.
 */
export function resolveReturnTo(
  returnTo: string | null | undefined,
  defaultUrl: string,
  allowed: URL[],
  ownBaseUrl?: string,
): string {
  if (!returnTo) {
    return defaultUrl;
  }
  if (UNSAFE_CHARACTERS.test(returnTo) || returnTo.length > 2048) {
    throw rejected('(invalid URL)');
  }
  if (returnTo.startsWith('/') && !returnTo.startsWith('//')) {
    const base = new URL(defaultUrl);
    const target = new URL(returnTo, base.origin);
    if (target.origin !== base.origin) {
      throw rejected(target.host);
    }

    return target.toString();
  }

  let target: URL;
  try {
    target = new URL(returnTo);
  } catch {
    throw rejected('(invalid URL)');
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    throw rejected(target.protocol);
  }
  if (target.username !== '' || target.password !== '') {
    throw rejected(target.host);
  }
  const permitted =
    allowed.some((entry) => entry.protocol === target.protocol && entry.host === target.host) ||
    (ownBaseUrl !== undefined && isUnderBase(target, new URL(ownBaseUrl)));
  if (!permitted) {
    throw rejected(target.host);
  }

  return target.toString();
}

/**
 * Whether a URL is on the base URL's origin with a path below the base path. Encoded slashes,
 * backslashes and dots are rejected, because a proxy that decodes them could route the path
 * outside the base.
 */
function isUnderBase(target: URL, base: URL): boolean {
  const basePath = base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`;

  return (
    target.origin === base.origin &&
    target.pathname.startsWith(basePath) &&
    !/%(2f|5c|2e)/i.test(target.pathname)
  );
}

/** Reads `return_to` from the query of the URL that started a flow. */
export function returnToOf(requestUrl: string): string | null {
  try {
    return new URL(requestUrl).searchParams.get('return_to');
  } catch {
    return null;
  }
}

function rejected(host: string) {
  return badRequest(`Requested return_to domain "${host}" is not a whitelisted return domain`);
}
