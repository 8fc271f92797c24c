import { badRequest, HttpError } from '../../common/errors.js';
import { TraitsInvalidError } from '../../identity/identity.service.js';
import { addFieldError, addFormError, type Form, type FormMessage } from '../form/form.js';
import { messages } from '../messages.js';

/** A failure that belongs on the form: messages for the whole form and for single fields. */
export class FlowFormError extends Error {
  constructor(
    readonly formErrors: FormMessage[],
    readonly fieldErrors: { field: string; error: FormMessage }[] = [],
    readonly status = 400,
    readonly headers?: Record<string, string>,
  ) {
    super(formErrors[0]?.message ?? fieldErrors[0]?.error.message ?? 'invalid form');
    this.name = 'FlowFormError';
  }

  static onForm(error: FormMessage, status = 400, headers?: Record<string, string>): FlowFormError {
    return new FlowFormError([error], [], status, headers);
  }

  static onField(field: string, error: FormMessage): FlowFormError {
    return new FlowFormError([], [{ field, error }]);
  }

  /** The same failure as an error envelope, for clients that asked for JSON. */
  toHttpError(): HttpError {
    const details: Record<string, string[]> = {};
    for (const { field, error } of this.fieldErrors) {
      (details[field] ??= []).push(error.message);
    }

    return new HttpError(this.status, { reason: this.message, details, headers: this.headers });
  }
}

/**
 * Converts a failure into a FlowFormError when it can be shown on a form: form failures,
 * trait violations and any 400 error. Returns undefined for failures that go to the error page.
 */
export function toFormError(error: unknown): FlowFormError | undefined {
  if (error instanceof FlowFormError) {
    return error;
  }
  if (error instanceof TraitsInvalidError) {
    const formErrors: FormMessage[] = [];
    const fieldErrors: { field: string; error: FormMessage }[] = [];
    for (const violation of error.violations) {
      const message = messages.traitInvalid(violation.field, violation.message);
      if (violation.field === 'traits') {
        formErrors.push(message);
      } else {
        fieldErrors.push({ field: violation.field, error: message });
      }
    }

    return new FlowFormError(formErrors, fieldErrors);
  }
  if (error instanceof HttpError && error.code === 400) {
    return FlowFormError.onForm({ message: error.reason ?? error.message });
  }

  return undefined;
}

/**
 * Writes a form failure's messages onto a form. A message about a group of fields, such as
 * `traits.name` when the form has `traits.name.first`, goes on the form, because an input
 * added for the group would submit nothing.
 */
export function applyFormError(form: Form, error: FlowFormError): void {
  for (const message of error.formErrors) {
    addFormError(form, message);
  }
  for (const { field, error: message } of error.fieldErrors) {
    const isGroup =
      !form.fields.some((candidate) => candidate.name === field) &&
      form.fields.some((candidate) => candidate.name.startsWith(`${field}.`));
    if (isGroup) {
      addFormError(form, message);
    } else {
      addFieldError(form, field, message);
    }
  }
}

/** The error for a submission without a usable `request` query parameter. */
export const missingRequestParameter = () =>
  badRequest('The request query parameter is missing or invalid.');
