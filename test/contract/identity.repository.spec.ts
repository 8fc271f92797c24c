import { randomUUID } from 'node:crypto';

import {
  IdentifierTakenError,
  IdentityRepository,
  type Identity,
} from '../../src/identity/identity.repository.js';
import { SessionCache } from '../../src/session/session-cache.js';
import { SessionRepository } from '../../src/session/session.repository.js';
import { databaseKinds } from '../support/databases.js';
import { openContractDatabase, type ContractDatabase } from './contract-database.js';

const HASH =
  '$argon2id$v=19$m=4096,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g';

function identity(traits: Record<string, unknown> = { email: 'someone@example.com' }): Identity {
  return { id: randomUUID(), traitsSchemaId: 'default', traits };
}

describe.each(databaseKinds())('IdentityRepository on %s', (kind) => {
  let store: ContractDatabase;
  let identities: IdentityRepository;
  let sessions: SessionRepository;

  beforeAll(async () => {
    store = await openContractDatabase(kind);
    const cache = new SessionCache();
    identities = new IdentityRepository(store.database, cache);
    sessions = new SessionRepository(store.database, cache);
  });

  afterAll(async () => {
    await store.close();
  });

  beforeEach(async () => {
    await store.clear();
  });

  it('stores traits as JSON without loss', async () => {
    const traits = {
      email: 'json@example.com',
      name: { first: 'Zoë', last: '李' },
      age: 42,
      ratio: 0.125,
      big: 9007199254740991,
      admin: false,
      tags: ['a', 'b', ['nested']],
      empty: {},
      nothing: null,
      text: 'quotes " and \\ and NUL-free text with emoji 🚀',
    };
    const created = identity(traits);
    await identities.create(created, []);

    expect(await identities.findById(created.id)).toEqual(created);
  });

  it('findById returns undefined for an unknown id', async () => {
    expect(await identities.findById(randomUUID())).toBeUndefined();
  });

  it('reads password credentials by identifier', async () => {
    const withPassword = identity();
    await identities.create(withPassword, ['someone@example.com', 'someone'], HASH);
    const withoutPassword = identity({ email: 'admin-made@example.com' });
    await identities.create(withoutPassword, ['admin-made@example.com']);

    expect(await identities.findPasswordCredentials('someone')).toEqual({
      identity: withPassword,
      hashedPassword: HASH,
    });
    expect(await identities.findPasswordCredentials('admin-made@example.com')).toEqual({
      identity: withoutPassword,
      hashedPassword: undefined,
    });
    expect(await identities.findPasswordCredentials('nobody@example.com')).toBeUndefined();
    expect((await identities.findPasswordIdentifiers(withPassword.id)).sort()).toEqual([
      'someone',
      'someone@example.com',
    ]);
  });

  it('create rejects a taken identifier and stores nothing', async () => {
    await identities.create(identity(), ['taken@example.com']);
    const second = identity({ email: 'taken@example.com' });

    const error = await identities.create(second, ['free@example.com', 'taken@example.com']).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(IdentifierTakenError);
    expect((error as IdentifierTakenError).identifier).toBe('taken@example.com');
    expect(await identities.findById(second.id)).toBeUndefined();
    expect(await identities.findPasswordCredentials('free@example.com')).toBeUndefined();
    expect(await identities.count()).toBe(1);
  });

  it('concurrent creates with one identifier store exactly one', async () => {
    const attempts = Array.from({ length: 5 }, () =>
      identities.create(identity({ email: 'race@example.com' }), ['race@example.com']),
    );
    const results = await Promise.allSettled(attempts);

    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    for (const result of results.filter((item) => item.status === 'rejected')) {
      expect(result.reason).toBeInstanceOf(IdentifierTakenError);
    }
    expect(await identities.count()).toBe(1);
  });

  it('lists in creation order with offset and limit', async () => {
    const created: Identity[] = [];
    for (let index = 0; index < 5; index += 1) {
      const next = identity({ email: `list${index}@example.com` });
      await identities.create(next, []);
      created.push(next);
      // Distinct creation times, so that the order does not fall back to the id.
      await new Promise((resolve) => setTimeout(resolve, 5));
    }

    expect(await identities.list(0, 10)).toEqual(created);
    expect(await identities.list(1, 2)).toEqual(created.slice(1, 3));
    expect(await identities.list(5, 2)).toEqual([]);
    expect(await identities.count()).toBe(5);
  });

  it('lists identities created at once in a stable order', async () => {
    await Promise.all(
      Array.from({ length: 6 }, (_, index) =>
        identities.create(identity({ email: `same${index}@example.com` }), []),
      ),
    );
    const first = await identities.list(0, 10);
    const paged = [
      ...(await identities.list(0, 2)),
      ...(await identities.list(2, 2)),
      ...(await identities.list(4, 2)),
    ];

    expect(paged).toEqual(first);
    expect(new Set(first.map((item) => item.id)).size).toBe(6);
  });

  it('update replaces traits and identifiers and keeps the password', async () => {
    const original = identity({ email: 'old@example.com' });
    await identities.create(original, ['old@example.com', 'kept'], HASH);
    const replaced = { ...original, traitsSchemaId: 'other', traits: { email: 'new@example.com' } };

    expect(await identities.update(replaced, ['new@example.com', 'kept'])).toBe(true);
    expect(await identities.findById(original.id)).toEqual(replaced);
    expect(await identities.findPasswordCredentials('old@example.com')).toBeUndefined();
    expect(await identities.findPasswordCredentials('new@example.com')).toEqual({
      identity: replaced,
      hashedPassword: HASH,
    });
    expect((await identities.findPasswordIdentifiers(original.id)).sort()).toEqual([
      'kept',
      'new@example.com',
    ]);
  });

  it('update adds a credential to an identity without one', async () => {
    const bare = identity({ nickname: 'bare' });
    await identities.create(bare, []);

    expect(
      await identities.update({ ...bare, traits: { email: 'x@example.com' } }, ['x@example.com']),
    ).toBe(true);
    expect((await identities.findPasswordCredentials('x@example.com'))?.identity.id).toBe(bare.id);
  });

  it('update without identifiers removes them', async () => {
    const original = identity();
    await identities.create(original, ['someone@example.com'], HASH);

    expect(await identities.update({ ...original, traits: {} }, [])).toBe(true);
    expect(await identities.findPasswordIdentifiers(original.id)).toEqual([]);
    expect(await identities.findPasswordCredentials('someone@example.com')).toBeUndefined();
  });

  it('update returns false for an unknown id', async () => {
    expect(await identities.update(identity(), ['ghost@example.com'])).toBe(false);
    expect(await identities.count()).toBe(0);
  });

  it('update rejects a taken identifier and changes nothing', async () => {
    const owner = identity({ email: 'owner@example.com' });
    await identities.create(owner, ['owner@example.com']);
    const other = identity({ email: 'other@example.com' });
    await identities.create(other, ['other@example.com'], HASH);

    const error = await identities
      .update({ ...other, traits: { email: 'owner@example.com' } }, ['owner@example.com'])
      .then(
        () => undefined,
        (caught: unknown) => caught,
      );
    expect(error).toBeInstanceOf(IdentifierTakenError);
    expect((error as IdentifierTakenError).identifier).toBe('owner@example.com');
    expect(await identities.findById(other.id)).toEqual(other);
    expect(await identities.findPasswordCredentials('other@example.com')).toEqual({
      identity: other,
      hashedPassword: HASH,
    });
  });

  it('delete removes credentials and sessions with the identity', async () => {
    const doomed = identity();
    await identities.create(doomed, ['someone@example.com'], HASH);
    const now = new Date();
    await sessions.create(
      {
        id: randomUUID(),
        identityId: doomed.id,
        issuedAt: now,
        authenticatedAt: now,
        expiresAt: new Date(now.getTime() + 60_000),
      },
      'token-hash-of-doomed',
    );

    expect(await identities.delete(doomed.id)).toBe(true);
    expect(await identities.findById(doomed.id)).toBeUndefined();
    expect(await identities.findPasswordCredentials('someone@example.com')).toBeUndefined();
    expect(await sessions.findByTokenHash('token-hash-of-doomed')).toBeUndefined();
    expect(await identities.delete(doomed.id)).toBe(false);

    // The identifier is free again.
    await identities.create(identity(), ['someone@example.com']);
  });
});
