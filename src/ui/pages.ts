import type { ErrorPayload } from '../common/errors.js';
import type { Form, FormField, FormMessage } from '../self-service/form/form.js';
import type { SessionDto } from '../session/session.dto.js';
import { html, type SafeHtml } from './html.js';

export interface PageLinks {
  home: string;
  login: string;
  registration: string;
  logout: string;
  profile: string;
  stylesheet: string;
}

/** Wraps page content in the shared layout. */
export function layout(title: string, links: PageLinks, content: SafeHtml): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · Gatehouse</title>
        <link rel="stylesheet" href="${links.stylesheet}" />
      </head>
      <body>
        <main>
          <h1>${title}</h1>
          ${content}
        </main>
      </body>
    </html> `.toString();
}

/** Renders a flow form generically from its fields, as any frontend of the API would. */
export function renderForm(
  form: Form,
  submitLabel: string,
  passwordAutocomplete = 'current-password',
): SafeHtml {
  return html`<form action="${form.action}" method="${form.method}" novalidate>
    ${renderMessages(form.errors, 'form-errors', 'alert')}
    ${form.fields.map((field) => renderField(field, passwordAutocomplete))}
    <button type="submit">${submitLabel}</button>
  </form>`;
}

function renderField(field: FormField, passwordAutocomplete: string): SafeHtml {
  const id = `field-${field.name.replace(/[^A-Za-z0-9_-]/g, '-')}`;
  const errorsId = `${id}-errors`;
  const describedBy = field.errors?.length ? errorsId : undefined;
  if (field.type === 'hidden') {
    return html`<input type="hidden" name="${field.name}" value="${stringValue(field.value)}" />`;
  }
  if (field.type === 'checkbox') {
    // The hidden false comes first, so an unticked box still submits a value and a ticked one wins.
    return html`<label for="${id}">
        <input type="hidden" name="${field.name}" value="false" />
        <input
          id="${id}"
          type="checkbox"
          name="${field.name}"
          value="true"
          ${field.value === true ? html` checked` : ''}${describedBy ? html` aria-describedby="${describedBy}"` : ''}${field.disabled ? html` disabled` : ''}
        />
        ${labelOf(field.name)}
      </label>
      ${renderMessages(field.errors, errorsId)}`;
  }

  // A list value (an array trait) gets one input per item, all with the field's name.
  const values: unknown[] =
    Array.isArray(field.value) && field.value.length > 0 ? field.value : [field.value];

  return html`<label for="${id}">${labelOf(field.name)}</label> ${values.map(
      (value, index) =>
        html`<input
          ${index === 0 ? html` id="${id}"` : html` aria-label="${labelOf(field.name)} ${index + 1}"`}
          name="${field.name}"
          type="${field.type}"
          ${value !== undefined && value !== null ? html` value="${stringValue(value)}"` : ''}${field.required ? html` required` : ''}${field.pattern ? html` pattern="${field.pattern}"` : ''}${field.disabled ? html` disabled` : ''}${describedBy ? html` aria-invalid="true" aria-describedby="${describedBy}"` : ''}${autocomplete(field, passwordAutocomplete)}
        />`,
    )}
    ${renderMessages(field.errors, errorsId)}`;
}

function autocomplete(field: FormField, passwordAutocomplete: string): SafeHtml | string {
  if (field.type === 'password') {
    return html` autocomplete="${passwordAutocomplete}"`;
  }
  if (field.name === 'identifier' || field.type === 'email') {
    return html` autocomplete="username"`;
  }

  return '';
}

function renderMessages(
  messages: FormMessage[] | undefined,
  id: string,
  role?: string,
): SafeHtml | string {
  if (!messages?.length) {
    return '';
  }

  return html`<ul class="errors" id="${id}" ${role ? html` role="${role}"` : ''}>
    ${messages.map((message) => html`<li>${message.message}</li>`)}
  </ul>`;
}

/** Turns a field name such as `traits.first_name` into a label such as `First name`. */
export function labelOf(name: string): string {
  if (name === 'identifier') {
    return 'Email or username';
  }
  const last =
    name
      .split('.')
      .filter((segment) => !/^\d+$/.test(segment))
      .pop() ?? name;
  const words = last
    .replace(/[_-]+/g, ' ')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase();

  return words.charAt(0).toUpperCase() + words.slice(1);
}

function stringValue(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
}

export function loginPage(form: Form, links: PageLinks, expired = false): string {
  const content = expired
    ? expiredNotice(form, links.login, 'Start a new sign-in')
    : renderForm(form, 'Sign in');

  return layout(
    'Sign in',
    links,
    html`${content}
      <p>No account yet? <a href="${links.registration}">Create one</a>.</p>`,
  );
}

export function registrationPage(form: Form, links: PageLinks, expired = false): string {
  const content = expired
    ? expiredNotice(form, links.registration, 'Start a new registration')
    : renderForm(form, 'Create account', 'new-password');

  return layout(
    'Create an account',
    links,
    html`${content}
      <p>Have an account? <a href="${links.login}">Sign in</a>.</p>`,
  );
}

/**
 * Replaces the form of an expired request, which can no longer succeed, with its messages and
 * a link that starts a new request.
 */
function expiredNotice(form: Form, restart: string, label: string): SafeHtml {
  const messages = form.errors?.length ? form.errors : [{ message: 'This page has expired.' }];

  return html`${renderMessages(messages, 'form-errors', 'alert')}
    <p><a href="${restart}">${label}</a></p>`;
}

export function cookiesRequiredPage(retry: string, links: PageLinks): string {
  return layout(
    'Cookies required',
    links,
    html`<p role="alert">
        Your browser did not keep the cookie that protects this form. Allow cookies for this site,
        then try again.
      </p>
      <p><a href="${retry}">Try again</a></p>`,
  );
}

export function errorPage(errors: ErrorPayload[] | undefined, links: PageLinks): string {
  const content = errors?.length
    ? html`<ul role="alert">
        ${errors.map((error) => html`<li><strong>${error.code} ${error.status ?? ''}</strong>: ${error.reason ?? error.message}</li>`)}
      </ul>`
    : html`<p role="alert">This error is unknown or belongs to another browser.</p>`;

  return layout(
    'Something went wrong',
    links,
    html`${content}
      <nav>
        <a href="${links.home}">Home</a><a href="${links.login}">Sign in</a
        ><a href="${links.registration}">Create an account</a>
      </nav>`,
  );
}

export function homePage(session: SessionDto | undefined, links: PageLinks): string {
  if (!session) {
    return layout(
      'Welcome',
      links,
      html`<p>You are not signed in.</p>
        <nav>
          <a href="${links.login}">Sign in</a><a href="${links.registration}">Create an account</a>
        </nav>`,
    );
  }

  return layout(
    'Welcome',
    links,
    html`<p>
        You are signed in. Your session ends at
        <time datetime="${session.expires_at}">${session.expires_at}</time>.
      </p>
      <h2>Your identity</h2>
      <pre id="identity">${JSON.stringify(session.identity.traits, null, 2)}</pre>
      <nav>
        <a href="${links.profile}">Edit your profile</a><a href="${links.logout}">Sign out</a>
      </nav>`,
  );
}
