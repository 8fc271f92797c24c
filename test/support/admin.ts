import type { TestServer } from './gatehouse.js';

export interface AdminResponse {
  status: number;
  headers: Headers;
  text: string;
  body: any;
}

/** Sends a request to a listener; `json` bodies get Content-Type application/json. */
export async function call(
  baseUrl: string,
  method: string,
  path: string,
  options: { json?: unknown; body?: string | Buffer; headers?: Record<string, string> } = {},
): Promise<AdminResponse> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  let body: string | Buffer | undefined = options.body;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(`${baseUrl}${path}`, { method, headers, body });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }

  return { status: response.status, headers: response.headers, text, body: parsed };
}

export const admin = (
  server: TestServer,
  method: string,
  path: string,
  options?: Parameters<typeof call>[3],
) => call(server.adminUrl, method, path, options);

/** Creates an identity through the admin API and returns its body. */
export async function createIdentity(
  server: TestServer,
  traits: Record<string, unknown>,
  schemaId?: string,
): Promise<any> {
  const response = await admin(server, 'POST', '/identities', {
    json: { traits, ...(schemaId ? { traits_schema_id: schemaId } : {}) },
  });
  if (response.status !== 201) {
    throw new Error(`creating an identity answered ${response.status}: ${response.text}`);
  }

  return response.body;
}

/** Reads every identity, page by page through the Link header. */
export async function listAllIdentities(server: TestServer, perPage = 500): Promise<any[]> {
  const all: any[] = [];
  let next: string | undefined = `${server.adminUrl}/identities?per_page=${perPage}`;
  while (next) {
    const response = await fetch(next, { headers: { accept: 'application/json' } });
    all.push(...((await response.json()) as any[]));
    next = /<([^>]+)>; rel="next"/.exec(response.headers.get('link') ?? '')?.[1];
  }

  return all;
}

/** Checks that a response is the error envelope with the response's status and request id. */
export function expectErrorEnvelope(response: AdminResponse, status: number): void {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  expect(response.body?.error).toEqual(
    expect.objectContaining({ code: status, message: expect.any(String) }),
  );
  expect(response.body.error.request).toBe(response.headers.get('x-request-id'));
  expect(response.text).not.toMatch(/\bat .+\.(js|ts):\d+/);
}
