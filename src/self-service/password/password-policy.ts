import { dictionary } from '@zxcvbn-ts/language-common';

import { passwordPolicyReasons } from '../messages.js';

export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 1024;

// About 49,000 passwords most often found in breaches, as listed by @zxcvbn-ts/language-common.
const COMMON_PASSWORDS = new Set(
  dictionary['passwords-common'].map((entry) => entry.toLowerCase()),
);

/**
 * Returns why a password is not acceptable for an account with these identifiers, or
 * undefined when it is. The breach check runs offline against a list of common passwords.
 */
export function checkPasswordPolicy(password: string, identifiers: string[]): string | undefined {
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH) {
    return passwordPolicyReasons.tooShort(MIN_PASSWORD_LENGTH, length);
  }
  if (length > MAX_PASSWORD_LENGTH) {
    return passwordPolicyReasons.tooLong(MAX_PASSWORD_LENGTH);
  }
  const lowered = password.toLowerCase();
  if (identifiers.some((identifier) => isTooSimilar(lowered, identifier.toLowerCase()))) {
    return passwordPolicyReasons.similarToIdentifier();
  }
  if (COMMON_PASSWORDS.has(lowered)) {
    return passwordPolicyReasons.breached();
  }

  return undefined;
}

/**
 * A password is too similar to an identifier when they share a run of characters that covers
 * half of either one, and at least four characters: `alice@example.com1` for
 * `alice@example.com`, or `example.com` for it, but not `alice-in-the-rain-42`.
 */
function isTooSimilar(password: string, identifier: string): boolean {
  const common = longestCommonSubstring(password, identifier);

  return common >= 4 && (common * 2 >= password.length || common * 2 >= identifier.length);
}

function longestCommonSubstring(a: string, b: string): number {
  let best = 0;
  let previous = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i += 1) {
    const current = new Array<number>(b.length + 1).fill(0);
    for (let j = 1; j <= b.length; j += 1) {
      if (a[i - 1] === b[j - 1]) {
        current[j] = previous[j - 1] + 1;
        best = Math.max(best, current[j]);
      }
    }
    previous = current;
  }

  return best;
}
