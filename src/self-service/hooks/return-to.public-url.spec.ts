import { HttpError } from '../../common/errors.js';
import { resolveReturnTo } from './return-to.js';

const DEFAULT_URL = 'https://app.example.com/welcome';
const PUBLIC_URL = 'https://auth.example.com/.ory/kratos/public/';
const PROFILE = 'https://auth.example.com/.ory/kratos/public/self-service/browser/flows/profile';

function rejection(returnTo: string): string | undefined {
  try {
    resolveReturnTo(returnTo, DEFAULT_URL, [], PUBLIC_URL);
  } catch (error) {
    return error instanceof HttpError ? error.reason : String(error);
  }

  return undefined;
}

describe('resolveReturnTo', () => {
  it('accepts a URL under the public base URL', () => {
    expect(resolveReturnTo(PROFILE, DEFAULT_URL, [], PUBLIC_URL)).toBe(PROFILE);
  });

  it('accepts the public base URL itself', () => {
    expect(resolveReturnTo(PUBLIC_URL, DEFAULT_URL, [], PUBLIC_URL)).toBe(PUBLIC_URL);
  });

  it.each([
    ['another path on the same host', 'https://auth.example.com/admin'],
    ['a sibling path sharing the prefix', 'https://auth.example.com/.ory/kratos/publicity'],
    ['dot segments leaving the base', 'https://auth.example.com/.ory/kratos/public/../../admin'],
    ['encoded dot segments', 'https://auth.example.com/.ory/kratos/public/%2e%2e/x'],
    ['an encoded slash', 'https://auth.example.com/.ory/kratos/public/..%2F..%2Fadmin'],
    ['another scheme', 'http://auth.example.com/.ory/kratos/public/'],
    ['another port', 'https://auth.example.com:8443/.ory/kratos/public/'],
    ['another host', 'https://evil.example/.ory/kratos/public/'],
    ['credentials', 'https://user@auth.example.com/.ory/kratos/public/'],
  ])('rejects %s', (_case, returnTo) => {
    expect(rejection(returnTo)).toMatch(/is not a whitelisted return domain$/);
  });

  it('rejects other hosts without a public base URL', () => {
    expect(() => resolveReturnTo(PROFILE, DEFAULT_URL, [])).toThrow(HttpError);
  });

  it('still accepts allow-listed hosts', () => {
    const allowed = [new URL('https://shop.example.com/')];

    expect(resolveReturnTo('https://shop.example.com/cart', DEFAULT_URL, allowed, PUBLIC_URL)).toBe(
      'https://shop.example.com/cart',
    );
  });
});
