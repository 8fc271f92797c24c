import { HttpError } from '../../common/errors.js';
import { resolveReturnTo, returnToOf } from './return-to.js';

const DEFAULT = 'https://id.example.com/ui/';
const ALLOWED = [new URL('https://app.example.com/ignored/path'), new URL('http://localhost:3000')];

function rejectionOf(returnTo: string): HttpError {
  try {
    resolveReturnTo(returnTo, DEFAULT, ALLOWED);
  } catch (error) {
    return error as HttpError;
  }
  throw new Error(`${returnTo} was accepted`);
}

describe('resolveReturnTo', () => {
  it.each([null, undefined, ''])('uses the default for %j', (returnTo) => {
    expect(resolveReturnTo(returnTo, DEFAULT, ALLOWED)).toBe(DEFAULT);
  });

  it.each([
    ['https://app.example.com/welcome?a=1#top', 'https://app.example.com/welcome?a=1#top'],
    ['HTTPS://App.Example.COM/Case', 'https://app.example.com/Case'],
    ['https://app.example.com:443/x', 'https://app.example.com/x'],
    ['http://localhost:3000/', 'http://localhost:3000/'],
  ])('accepts the allowed %s', (returnTo, expected) => {
    expect(resolveReturnTo(returnTo, DEFAULT, ALLOWED)).toBe(expected);
  });

  it.each([
    ['/dashboard', 'https://id.example.com/dashboard'],
    ['/a/b?c=d', 'https://id.example.com/a/b?c=d'],
    ['/%2F%2Fevil.example.com', 'https://id.example.com/%2F%2Fevil.example.com'],
    ['/..//evil.example.com', 'https://id.example.com//evil.example.com'],
  ])('puts the path %s on the default origin', (returnTo, expected) => {
    expect(resolveReturnTo(returnTo, DEFAULT, ALLOWED)).toBe(expected);
  });

  it.each([
    ['https://evil.example.com/', 'evil.example.com'],
    ['http://app.example.com/', 'app.example.com'],
    ['https://app.example.com:8443/', 'app.example.com:8443'],
    ['http://localhost/', 'localhost'],
    ['https://app.example.com.evil.example.com/', 'app.example.com.evil.example.com'],
    ['https://app.example.com@evil.example.com/', 'evil.example.com'],
    ['https://user:pass@app.example.com/', 'app.example.com'],
    ['//evil.example.com', '(invalid URL)'],
    ['/\\evil.example.com', '(invalid URL)'],
    ['\\\\evil.example.com', '(invalid URL)'],
    ['/\t/evil.example.com', '(invalid URL)'],
    ['/\n/evil.example.com', '(invalid URL)'],
    [' https://app.example.com/', '(invalid URL)'],
    ['https://app.example.com\\@evil.example.com', '(invalid URL)'],
    ['javascript:alert(1)', 'javascript:'],
    ['data:text/html,hi', 'data:'],
    ['ftp://app.example.com/', 'ftp:'],
    ['relative/path', '(invalid URL)'],
    [`/${'a'.repeat(2048)}`, '(invalid URL)'],
  ])('rejects %j', (returnTo, host) => {
    const error = rejectionOf(returnTo);

    expect(error).toBeInstanceOf(HttpError);
    expect(error.code).toBe(400);
    expect(error.reason).toBe(
      `Requested return_to domain "${host}" is not a whitelisted return domain`,
    );
  });

  it('rejects every host without an allow list', () => {
    expect(() => resolveReturnTo('https://app.example.com/', DEFAULT, [])).toThrow(HttpError);
  });
});

describe('returnToOf', () => {
  it('reads return_to from the query', () => {
    expect(returnToOf('http://h/flows/login?return_to=%2Fhome&x=1')).toBe('/home');
  });

  it('returns null when missing', () => {
    expect(returnToOf('http://h/flows/login')).toBeNull();
    expect(returnToOf('not a url')).toBeNull();
  });
});
