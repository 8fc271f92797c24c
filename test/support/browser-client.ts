import { CookieJar } from 'tough-cookie';

export interface TestResponse {
  status: number;
  headers: Headers;
  body: string;
  /** The Location header, resolved against the request URL. */
  location?: string;
  json<T = any>(): T;
}

export interface RequestOptions {
  method?: string;
  /** Sent as application/x-www-form-urlencoded; lists repeat the name. */
  form?: Record<string, string | string[]>;
  /** Sent as application/json. */
  json?: unknown;
  /** Sent as it is, with the given headers. */
  body?: string;
  headers?: Record<string, string>;
}

/**
 * An HTTP client that keeps cookies like a browser and does not follow redirects by itself,
 * so tests can check every hop of a flow.
 */
export class BrowserClient {
  readonly jar = new CookieJar();

  async request(url: string, options: RequestOptions = {}): Promise<TestResponse> {
    const headers: Record<string, string> = {
      accept: 'text/html,application/xhtml+xml',
      ...options.headers,
    };
    let body: string | undefined = options.body;
    if (options.form) {
      const params = new URLSearchParams();
      for (const [name, value] of Object.entries(options.form)) {
        for (const item of Array.isArray(value) ? value : [value]) {
          params.append(name, item);
        }
      }
      body = params.toString();
      headers['content-type'] ??= 'application/x-www-form-urlencoded';
    } else if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] ??= 'application/json';
    }
    const cookie = await this.jar.getCookieString(url);
    if (cookie) {
      headers.cookie = cookie;
    }
    const response = await fetch(url, {
      method: options.method ?? (body === undefined ? 'GET' : 'POST'),
      headers,
      body,
      redirect: 'manual',
    });
    for (const setCookie of response.headers.getSetCookie()) {
      await this.jar.setCookie(setCookie, url, { ignoreError: true });
    }
    const text = await response.text();
    const location = response.headers.get('location');

    return {
      status: response.status,
      headers: response.headers,
      body: text,
      location: location ? new URL(location, url).toString() : undefined,
      json: () => JSON.parse(text),
    };
  }

  get(url: string, headers: Record<string, string> = {}): Promise<TestResponse> {
    return this.request(url, { headers });
  }

  post(
    url: string,
    form: Record<string, string | string[]>,
    headers: Record<string, string> = {},
  ): Promise<TestResponse> {
    return this.request(url, { method: 'POST', form, headers });
  }

  /** Follows redirects from a GET until a non-redirect answer; returns every response in order. */
  async follow(url: string, limit = 10): Promise<TestResponse[]> {
    const chain: TestResponse[] = [];
    let next: string | undefined = url;
    while (next && chain.length < limit) {
      const response = await this.get(next);
      chain.push(response);
      next = response.status >= 300 && response.status < 400 ? response.location : undefined;
    }

    return chain;
  }

  async cookie(name: string, url: string): Promise<string | undefined> {
    const cookies = await this.jar.getCookies(url);

    return cookies.find((cookie) => cookie.key === name)?.value;
  }
}
