import { BrowserClient, type TestResponse } from './browser-client.js';
import { csrfTokenOf, type FormPayload } from './flows.js';
import type { TestServer } from './gatehouse.js';

export const PROFILE_INIT = '/self-service/browser/flows/profile';
export const PROFILE_GETTER = '/self-service/browser/flows/requests/profile';

/** Starts profile management for a signed-in client and returns the request id. */
export async function startProfile(client: BrowserClient, server: TestServer): Promise<string> {
  const response = await client.get(`${server.publicUrl}${PROFILE_INIT}`);
  const location = response.location ?? '';
  const id = new URL(location, server.publicUrl).searchParams.get('request');
  if (response.status !== 302 || !location.startsWith(`${server.publicUrl}/ui/profile?`) || !id) {
    throw new Error(`starting profile management answered ${response.status} to ${location}`);
  }

  return id;
}

/** Reads a profile request through the public listener with the client's cookies. */
export function getProfilePublic(
  client: BrowserClient,
  server: TestServer,
  id: string,
): Promise<TestResponse> {
  return client.get(`${server.publicUrl}${PROFILE_GETTER}?request=${id}`, {
    accept: 'application/json',
  });
}

/** Reads a profile request through the admin listener, which needs no cookies. */
export async function getProfileAdmin(server: TestServer, id: string): Promise<any> {
  const response = await fetch(`${server.adminUrl}${PROFILE_GETTER}?request=${id}`);
  if (response.status !== 200) {
    throw new Error(`admin profile getter answered ${response.status}: ${await response.text()}`);
  }

  return response.json();
}

/** Reads the form of a profile request as the owning browser sees it. */
export async function profileForm(
  client: BrowserClient,
  server: TestServer,
  id: string,
): Promise<FormPayload> {
  const response = await getProfilePublic(client, server, id);
  if (response.status !== 200) {
    throw new Error(`public profile getter answered ${response.status}: ${response.body}`);
  }

  return response.json().form as FormPayload;
}

/** Submits the profile form of a request with the given fields and a valid CSRF token. */
export async function submitProfile(
  client: BrowserClient,
  server: TestServer,
  id: string,
  fields: Record<string, string | string[]>,
  headers: Record<string, string> = {},
): Promise<TestResponse> {
  const form = await profileForm(client, server, id);

  return client.post(form.action, { csrf_token: csrfTokenOf(form), ...fields }, headers);
}

/** Submits a JSON body to the profile form of a request, with the CSRF token in its header. */
export async function submitProfileJson(
  client: BrowserClient,
  server: TestServer,
  id: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<TestResponse> {
  const form = await profileForm(client, server, id);

  return client.request(form.action, {
    method: 'POST',
    json: body,
    headers: { 'x-csrf-token': csrfTokenOf(form), ...headers },
  });
}

/** Reads an identity through the admin API. */
export async function adminIdentity(server: TestServer, id: string): Promise<any> {
  const response = await fetch(`${server.adminUrl}/identities/${id}`);

  return response.json();
}
