import {
  checkPasswordPolicy,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
} from './password-policy.js';

describe('checkPasswordPolicy', () => {
  it.each([
    'l3f9toh1uaf81n21',
    'correct horse battery staple',
    '93172388957812344432',
    'Zürich Ölfeld 7',
  ])('accepts %j', (password) => {
    expect(checkPasswordPolicy(password, ['ada@example.com'])).toBeUndefined();
  });

  it.each([
    ['', 0],
    ['1234567', 7],
    ['äöüäöüä', 7],
    ['😀😀😀😀😀😀😀', 7],
  ])('rejects %j as too short', (password, length) => {
    expect(checkPasswordPolicy(password, [])).toBe(
      `password length must be at least ${MIN_PASSWORD_LENGTH} characters but only got ${length}`,
    );
  });

  it('rejects a password that is too long', () => {
    expect(checkPasswordPolicy('a1'.repeat(MAX_PASSWORD_LENGTH), [])).toBe(
      `password length must be at most ${MAX_PASSWORD_LENGTH} characters`,
    );
  });

  it.each([
    ['alice@example.com', 'alice@example.com'],
    ['ALICE@EXAMPLE.COM', 'alice@example.com'],
    ['alice@example.com1', 'alice@example.com'],
    ['example.com', 'alice@example.com'],
    ['alice123', 'alice@example.com'],
    ['xxalice_smith', 'alice_smith'],
  ])('rejects %j for the identifier %s', (password, identifier) => {
    expect(checkPasswordPolicy(password, [identifier])).toBe(
      'the password is too similar to the user identifier',
    );
  });

  it('checks every identifier', () => {
    expect(checkPasswordPolicy('grace_hopper_42', ['ada@example.com', 'grace_hopper'])).toBe(
      'the password is too similar to the user identifier',
    );
  });

  it.each(['alice-in-the-rain-42', 'wonderland expedition'])(
    'accepts %j for alice@example.com',
    (password) => {
      expect(checkPasswordPolicy(password, ['alice@example.com'])).toBeUndefined();
    },
  );

  it.each(['password', 'Password1', '12345678', 'qwertyuiop', 'iloveyou', 'TRUSTNO1'])(
    'rejects the common password %j',
    (password) => {
      expect(checkPasswordPolicy(password, [])).toBe(
        'the password has been found in data breaches and must no longer be used',
      );
    },
  );

  it('checks length before anything else', () => {
    expect(checkPasswordPolicy('abc', ['abc'])).toMatch(/^password length/);
  });
});
