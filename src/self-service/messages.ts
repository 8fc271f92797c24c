import type { FormMessage } from './form/form.js';

/**
 * Messages that self-service forms show to people. Each has a stable id for frontends that
 * translate them; the English texts match those of ORY Kratos v0.1 where that API had one.
 */
export const messages = {
  credentialsInvalid: (): FormMessage => ({
    id: 'credentials_invalid',
    message:
      'The provided credentials are invalid. Check for spelling mistakes in your password or username, email address, or phone number.',
  }),
  identifierExists: (): FormMessage => ({
    id: 'identifier_exists',
    message: 'An account with the same identifier (email, phone, username, ...) exists already.',
  }),
  identifierRequired: (): FormMessage => ({
    id: 'identifier_required',
    message:
      'Your account needs at least one login identifier, such as an email address or a username.',
  }),
  fieldRequired: (field: string): FormMessage => ({
    id: 'field_required',
    message: `${field}: ${field} is required`,
  }),
  traitInvalid: (field: string, description: string): FormMessage => ({
    id: 'trait_invalid',
    message: `${field}: ${description}`,
  }),
  passwordPolicy: (reason: string): FormMessage => ({
    id: 'password_policy_violation',
    message: `password: password does not meet the password policy because: ${reason}`,
  }),
  requestExpired: (
    flow: 'login' | 'registration' | 'profile',
    minutesAgo: number,
  ): FormMessage => ({
    id: 'request_expired',
    message: `The ${flow} request expired ${minutesAgo.toFixed(2)} minutes ago, please try again.`,
  }),
  loginThrottled: (seconds: number): FormMessage => ({
    id: 'login_throttled',
    message: `Too many failed login attempts. Please wait ${seconds} seconds before trying again.`,
  }),
  noChanges: (): FormMessage => ({
    id: 'no_changes',
    message: 'Did not receive any value changes.',
  }),
  returnToNotAllowed: (host: string): FormMessage => ({
    id: 'return_to_not_allowed',
    message: `Requested return_to domain "${host}" is not a whitelisted return domain`,
  }),
};

/** Reasons of the password policy, completing `password does not meet the password policy because: …`. */
export const passwordPolicyReasons = {
  tooShort: (minimum: number, length: number) =>
    `password length must be at least ${minimum} characters but only got ${length}`,
  tooLong: (maximum: number) => `password length must be at most ${maximum} characters`,
  similarToIdentifier: () => 'the password is too similar to the user identifier',
  breached: () => 'the password has been found in data breaches and must no longer be used',
};
