/** A message shown on a form or on one of its fields. `id` is stable; `message` is English text. */
export interface FormMessage {
  id?: string;
  message: string;
}

/** An HTML input as a frontend should render it. */
export interface FormField {
  name: string;
  type: string;
  pattern?: string;
  disabled?: string;
  required?: boolean;
  value?: unknown;
  errors?: FormMessage[];
}

/** An HTML form: where it posts, its inputs and its form-level errors. */
export interface Form {
  action: string;
  method: 'POST';
  fields: FormField[];
  errors?: FormMessage[];
}

export const CSRF_FIELD = 'csrf_token';

/** Sets a field's value, adding the field (as text) when the form lacks it. */
export function setFieldValue(form: Form, name: string, value: unknown, type = 'text'): void {
  const field = form.fields.find((candidate) => candidate.name === name);
  if (field) {
    field.value = value;
  } else {
    form.fields.push({ name, type, value });
  }
}

/** Adds an error to a field, adding the field (as text) when the form lacks it. */
export function addFieldError(form: Form, name: string, error: FormMessage): void {
  let field = form.fields.find((candidate) => candidate.name === name);
  if (!field) {
    field = { name, type: 'text' };
    form.fields.push(field);
  }
  field.errors = [...(field.errors ?? []), error];
}

export function addFormError(form: Form, error: FormMessage): void {
  form.errors = [...(form.errors ?? []), error];
}

/** Clears every value and error, keeping the fields themselves. */
export function resetForm(form: Form): void {
  delete form.errors;
  for (const field of form.fields) {
    delete field.value;
    delete field.errors;
  }
}

/** Sets the CSRF field to a fresh token. */
export function setCsrfField(form: Form, token: string): void {
  const field = form.fields.find((candidate) => candidate.name === CSRF_FIELD);
  if (field) {
    field.value = token;
  } else {
    form.fields.unshift({ name: CSRF_FIELD, type: 'hidden', required: true, value: token });
  }
}

/** Removes the CSRF field, which is stored nowhere but added when a form is served. */
export function withoutCsrfField(form: Form): Form {
  return { ...form, fields: form.fields.filter((field) => field.name !== CSRF_FIELD) };
}

/**
 * Sorts fields (stably) by a list of names: each field goes to the position of the last
 * list entry that is a prefix of its name, so `traits.names.0` sorts with `traits.names`.
 * Fields that match no entry go last in their previous order.
 */
export function sortFields(form: Form, order: string[]): void {
  const rank = (name: string) => {
    let position = order.length;
    order.forEach((entry, index) => {
      if (name === entry || name.startsWith(`${entry}.`)) {
        position = index;
      }
    });

    return position;
  };
  form.fields = form.fields
    .map((field, index) => ({ field, index, rank: rank(field.name) }))
    .sort((a, b) => a.rank - b.rank || a.index - b.index)
    .map((entry) => entry.field);
}
