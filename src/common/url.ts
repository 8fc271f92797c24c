/**
 * Appends a path to a base URL's path, with exactly one slash between them. A query string in
 * the suffix (`/flows/login?return_to=%2F`) becomes the URL's query, replacing the base's.
 */
export function joinUrl(base: string, suffix: string): string {
  const url = new URL(base);
  const basePath = url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`;
  const queryStart = suffix.indexOf('?');
  const path = queryStart === -1 ? suffix : suffix.slice(0, queryStart);
  url.pathname = basePath + path.replace(/^\/+/, '');
  if (queryStart !== -1) {
    url.search = suffix.slice(queryStart);
  }

  return url.toString();
}

/**
 * Appends a request target such as Express's `originalUrl` (a path with an optional query) to a
 * base URL's path. Unlike joinUrl, the query stays a query instead of being encoded into the path.
 */
export function joinRequestTarget(base: string, target: string): string {
  const queryStart = target.indexOf('?');
  const path = queryStart === -1 ? target : target.slice(0, queryStart);
  const url = new URL(joinUrl(base, path));
  if (queryStart !== -1) {
    url.search = target.slice(queryStart);
  }

  return url.toString();
}

/**
 * Sets query parameters on a URL, replacing parameters of the same name and keeping the
 * others, then sorts all parameters by name so that generated URLs are stable.
 */
export function withQuery(base: string, params: Record<string, string>): string {
  const url = new URL(base);
  for (const [name, value] of Object.entries(params)) {
    url.searchParams.set(name, value);
  }
  url.searchParams.sort();

  return url.toString();
}
