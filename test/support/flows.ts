import { BrowserClient, type TestResponse } from './browser-client.js';
import type { TestServer } from './gatehouse.js';

export type FlowKind = 'login' | 'registration';

export interface FormFieldPayload {
  name: string;
  type: string;
  value?: unknown;
  required?: boolean;
  pattern?: string;
  errors?: { id?: string; message: string }[];
}

export interface FormPayload {
  action: string;
  method: string;
  fields: FormFieldPayload[];
  errors?: { id?: string; message: string }[];
}

/** Starts a browser flow and returns the request id from the redirect to the UI. */
export async function startFlow(
  client: BrowserClient,
  server: TestServer,
  kind: FlowKind,
  query = '',
): Promise<string> {
  const response = await client.get(
    `${server.publicUrl}/self-service/browser/flows/${kind}${query}`,
  );
  if (response.status !== 302 || !response.location) {
    throw new Error(`starting the ${kind} flow answered ${response.status}: ${response.body}`);
  }
  const id = new URL(response.location).searchParams.get('request');
  if (!id) {
    throw new Error(`the ${kind} flow redirected to ${response.location} without a request id`);
  }

  return id;
}

/** Reads a flow request through the admin listener, which needs no cookies. */
export async function fetchFlow(server: TestServer, kind: FlowKind, id: string): Promise<any> {
  const response = await fetch(
    `${server.adminUrl}/self-service/browser/flows/requests/${kind}?request=${id}`,
  );
  if (response.status !== 200) {
    throw new Error(
      `fetching ${kind} request ${id} answered ${response.status}: ${await response.text()}`,
    );
  }

  return response.json();
}

export async function passwordForm(
  server: TestServer,
  kind: FlowKind,
  id: string,
): Promise<FormPayload> {
  return (await fetchFlow(server, kind, id)).methods.password.config as FormPayload;
}

export function fieldOf(form: FormPayload, name: string): FormFieldPayload | undefined {
  return form.fields.find((field) => field.name === name);
}

export function csrfTokenOf(form: FormPayload): string {
  const value = fieldOf(form, 'csrf_token')?.value;

  return typeof value === 'string' ? value : '';
}

/** Submits a flow's password form with the given fields and the form's own CSRF token. */
export async function submitPasswordForm(
  client: BrowserClient,
  server: TestServer,
  kind: FlowKind,
  id: string,
  fields: Record<string, string | string[]>,
): Promise<TestResponse> {
  const form = await passwordForm(server, kind, id);

  return client.post(form.action, { csrf_token: csrfTokenOf(form), ...fields });
}

/** Registers an identity through the browser flow; the client ends up signed in. */
export async function register(
  client: BrowserClient,
  server: TestServer,
  email: string,
  password: string,
): Promise<TestResponse> {
  const id = await startFlow(client, server, 'registration');

  return submitPasswordForm(client, server, 'registration', id, {
    'traits.email': email,
    password,
  });
}

/** Logs in through the browser flow. */
export async function login(
  client: BrowserClient,
  server: TestServer,
  identifier: string,
  password: string,
): Promise<TestResponse> {
  const id = await startFlow(client, server, 'login');

  return submitPasswordForm(client, server, 'login', id, { identifier, password });
}

export async function whoami(client: BrowserClient, server: TestServer): Promise<TestResponse> {
  return client.get(`${server.publicUrl}/sessions/whoami`, { accept: 'application/json' });
}

/** Reads a flow request through the public listener with the client's cookies, as a UI server would. */
export function fetchFlowPublicly(
  client: BrowserClient,
  server: TestServer,
  kind: FlowKind,
  id: string,
): Promise<TestResponse> {
  return client.get(
    `${server.publicUrl}/self-service/browser/flows/requests/${kind}?request=${id}`,
    {
      accept: 'application/json',
    },
  );
}

/** Lists every identity through the admin API. */
export async function listIdentities(server: TestServer): Promise<any[]> {
  const response = await fetch(`${server.adminUrl}/identities?per_page=500`);
  if (response.status !== 200) {
    throw new Error(`listing identities answered ${response.status}: ${await response.text()}`);
  }

  return (await response.json()) as any[];
}

/** Reads a stored flow error through the admin listener. */
export async function fetchErrorAdmin(server: TestServer, id: string): Promise<Response> {
  return fetch(`${server.adminUrl}/self-service/errors?error=${id}`);
}

/** Returns the `error` query parameter of a redirect to the error page. */
export function errorIdOf(location: string | undefined): string {
  const id = location ? new URL(location).searchParams.get('error') : null;
  if (!id) {
    throw new Error(`expected a redirect to the error page, got ${location}`);
  }

  return id;
}

/** Returns the `request` query parameter of a redirect to a flow page. */
export function requestIdOf(location: string | undefined): string {
  const id = location ? new URL(location).searchParams.get('request') : null;
  if (!id) {
    throw new Error(`expected a redirect to a flow page, got ${location}`);
  }

  return id;
}

/** Starts a registration and submits the given fields, as a browser would. */
export async function registerWith(
  client: BrowserClient,
  server: TestServer,
  fields: Record<string, string | string[]>,
): Promise<{ id: string; response: TestResponse }> {
  const id = await startFlow(client, server, 'registration');
  const response = await submitPasswordForm(client, server, 'registration', id, fields);

  return { id, response };
}

/** Collects the message texts of a form and of each of its fields. */
export function formMessages(form: FormPayload): {
  form: string[];
  fields: Record<string, string[]>;
} {
  const fields: Record<string, string[]> = {};
  for (const field of form.fields) {
    if (field.errors?.length) {
      fields[field.name] = field.errors.map((error) => error.message);
    }
  }

  return { form: (form.errors ?? []).map((error) => error.message), fields };
}
