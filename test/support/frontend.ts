import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

import type { FormPayload } from './flows.js';

export interface FrontendOptions {
  port: number;
  publicUrl: string;
  adminUrl: string;
  /** Where flow requests are read: the public API with the browser's cookies, or the admin API. */
  readVia: 'public' | 'admin';
}

export interface TestFrontend {
  url: string;
  /** Every Gatehouse API URL the frontend called, in order. */
  calls: string[];
  close(): Promise<void>;
}

/**
 * Starts a minimal third-party frontend for the browser flows on its own port. It renders the forms
 * of flow requests it reads from Gatehouse, as a UI written for the ORY Kratos API would.
 */
export async function startFrontend(options: FrontendOptions): Promise<TestFrontend> {
  const url = `http://127.0.0.1:${options.port}`;
  const calls: string[] = [];
  const server = createServer((request, response) => {
    handle(options, calls, request, response).catch((error: unknown) => {
      response.statusCode = 500;
      response.end(`frontend error: ${String(error)}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port, '127.0.0.1', resolve));

  return { url, calls, close: () => closeServer(server) };
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();

  return new Promise((resolve) => server.close(() => resolve()));
}

async function handle(
  options: FrontendOptions,
  calls: string[],
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://frontend');
  const cookie = request.headers.cookie ?? '';
  const gatehouse = (path: string, via: 'public' | 'admin' = 'public') => {
    const target = `${via === 'public' ? options.publicUrl : options.adminUrl}${path}`;
    calls.push(target);

    return fetch(target, { headers: via === 'public' ? { cookie } : {} });
  };
  const flowsUrl = `${options.publicUrl}/self-service/browser/flows`;

  if (url.pathname === '/') {
    const whoami = await gatehouse('/sessions/whoami');
    const session = whoami.status === 200 ? ((await whoami.json()) as any) : undefined;
    const body = session
      ? `<p>Signed in as <span id="identity-email">${escape(session.identity.traits.email)}</span>.</p>
         <a href="${flowsUrl}/logout">Log out</a>`
      : `<p id="anonymous">Not signed in.</p>
         <a href="${flowsUrl}/login">Log in</a> <a href="${flowsUrl}/registration">Sign up</a>`;
    send(response, page('Frontend home', body));

    return;
  }

  if (url.pathname === '/login' || url.pathname === '/registration') {
    const kind = url.pathname.slice(1);
    const id = url.searchParams.get('request') ?? '';
    const fetched = await gatehouse(
      `/self-service/browser/flows/requests/${kind}?request=${encodeURIComponent(id)}`,
      options.readVia,
    );
    if (fetched.status !== 200) {
      response.writeHead(302, { location: `${flowsUrl}/${kind}` });
      response.end();

      return;
    }
    const flow = (await fetched.json()) as any;
    const form = flow.methods.password.config as FormPayload;
    send(
      response,
      page(kind === 'login' ? 'Frontend log in' : 'Frontend sign up', renderForm(form)),
    );

    return;
  }

  if (url.pathname === '/error') {
    const fetched = await gatehouse(
      `/self-service/errors?error=${encodeURIComponent(url.searchParams.get('error') ?? '')}`,
      options.readVia,
    );
    const body = fetched.status === 200 ? JSON.stringify(await fetched.json()) : 'unknown error';
    send(response, page('Frontend error', `<pre id="error">${escape(body)}</pre>`));

    return;
  }

  response.statusCode = 404;
  response.end('not found');
}

function renderForm(form: FormPayload): string {
  const errors = (form.errors ?? [])
    .map((error) => `<li class="form-error">${escape(error.message)}</li>`)
    .join('');
  const fields = form.fields
    .map((field) => {
      const text = typeof field.value === 'string' ? field.value : JSON.stringify(field.value);
      const value = field.value === undefined ? '' : ` value="${escape(text)}"`;
      if (field.type === 'hidden') {
        return `<input type="hidden" name="${escape(field.name)}"${value}>`;
      }
      const fieldErrors = (field.errors ?? [])
        .map((error) => `<li class="field-error">${escape(error.message)}</li>`)
        .join('');

      return `<label>${escape(field.name)}
        <input name="${escape(field.name)}" type="${escape(field.type)}"${value}${field.required ? ' required' : ''}>
      </label><ul>${fieldErrors}</ul>`;
    })
    .join('\n');

  return `<ul id="form-errors">${errors}</ul>
    <form action="${escape(form.action)}" method="${escape(form.method)}">
      ${fields}
      <button type="submit">Submit</button>
    </form>`;
}

function page(title: string, body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head>
    <body><h1>${title}</h1>${body}</body></html>`;
}

function send(response: ServerResponse, html: string): void {
  response.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
  });
  response.end(html);
}

function escape(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}
