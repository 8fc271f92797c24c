import { joinUrl, withQuery } from './url.js';

describe('joinUrl', () => {
  it.each([
    ['http://h/', 'ui/login', 'http://h/ui/login'],
    ['http://h', '/ui/login', 'http://h/ui/login'],
    ['http://h/base', 'ui', 'http://h/base/ui'],
    ['http://h/base/', '//ui', 'http://h/base/ui'],
    ['https://h:8443/p/', 'schemas/a%2Fb', 'https://h:8443/p/schemas/a%2Fb'],
  ])('joins %s and %s', (base, suffix, expected) => {
    expect(joinUrl(base, suffix)).toBe(expected);
  });

  it('keeps the suffix query', () => {
    expect(joinUrl('http://h/p/', '/flows/login?return_to=%2Fhome&x=1')).toBe(
      'http://h/p/flows/login?return_to=%2Fhome&x=1',
    );
  });

  it('keeps the base query otherwise', () => {
    expect(joinUrl('http://h/?tenant=a', 'ui')).toBe('http://h/ui?tenant=a');
  });
});

describe('withQuery', () => {
  it('adds, replaces and sorts parameters', () => {
    expect(withQuery('http://h/ui?z=1&request=old', { request: 'new', a: '2' })).toBe(
      'http://h/ui?a=2&request=new&z=1',
    );
  });

  it('encodes values', () => {
    expect(withQuery('http://h/', { error: 'a b&c' })).toBe('http://h/?error=a+b%26c');
  });
});
