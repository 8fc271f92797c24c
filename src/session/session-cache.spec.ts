import { SessionCache } from './session-cache.js';
import type { SessionWithIdentity } from './session.repository.js';

function session(identityId: string): SessionWithIdentity {
  const now = new Date();

  return {
    id: `session-of-${identityId}`,
    identityId,
    issuedAt: now,
    authenticatedAt: now,
    expiresAt: new Date(now.getTime() + 60_000),
    identity: { id: identityId, traitsSchemaId: 'default', traits: {} },
  };
}

describe('SessionCache', () => {
  it('keeps a session read under the current generation', () => {
    const cache = new SessionCache();
    cache.set('token', session('a'), cache.generation());

    expect(cache.get('token')?.identityId).toBe('a');
  });

  it('drops a session read before a logout cleared the cache', () => {
    const cache = new SessionCache();
    const generation = cache.generation();
    cache.deleteToken('token');
    cache.set('token', session('a'), generation);

    expect(cache.get('token')).toBeUndefined();
  });

  it('drops a session read before its identity changed', () => {
    const cache = new SessionCache();
    const generation = cache.generation();
    cache.deleteIdentity('a');
    cache.set('token', session('a'), generation);

    expect(cache.get('token')).toBeUndefined();
  });

  it('forgets every session of a deleted identity', () => {
    const cache = new SessionCache();
    cache.set('one', session('a'), cache.generation());
    cache.set('two', session('a'), cache.generation());
    cache.set('three', session('b'), cache.generation());
    cache.deleteIdentity('a');

    expect([cache.get('one'), cache.get('two')]).toEqual([undefined, undefined]);
    expect(cache.get('three')?.identityId).toBe('b');
  });

  it('keeps nothing with a zero lifetime', () => {
    const cache = new SessionCache(0);
    cache.set('token', session('a'), cache.generation());

    expect(cache.get('token')).toBeUndefined();
  });
});
