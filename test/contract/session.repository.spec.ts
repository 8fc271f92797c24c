import { randomUUID } from 'node:crypto';

import { isUniqueViolation } from '../../src/database/prisma-errors.js';
import { IdentityRepository, type Identity } from '../../src/identity/identity.repository.js';
import { SessionCache } from '../../src/session/session-cache.js';
import { SessionRepository, type Session } from '../../src/session/session.repository.js';
import { databaseKinds } from '../support/databases.js';
import { openContractDatabase, type ContractDatabase } from './contract-database.js';

describe.each(databaseKinds())('SessionRepository on %s', (kind) => {
  let store: ContractDatabase;
  let identities: IdentityRepository;
  let sessions: SessionRepository;
  let owner: Identity;

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
    owner = { id: randomUUID(), traitsSchemaId: 'default', traits: { email: 'owner@example.com' } };
    await identities.create(owner, ['owner@example.com']);
  });

  function session(overrides: Partial<Session> = {}): Session {
    // Millisecond precision is what both databases keep.
    const now = new Date(Math.floor(Date.now() / 1000) * 1000 + 123);

    return {
      id: randomUUID(),
      identityId: owner.id,
      issuedAt: now,
      authenticatedAt: new Date(now.getTime() - 1000),
      expiresAt: new Date(now.getTime() + 3_600_000),
      ...overrides,
    };
  }

  it('finds a session with its identity by token hash', async () => {
    const stored = session();
    await sessions.create(stored, 'hash-a');

    expect(await sessions.findByTokenHash('hash-a')).toEqual({ ...stored, identity: owner });
    expect(await sessions.findByTokenHash('hash-unknown')).toBeUndefined();
  });

  it('returns expired sessions too', async () => {
    const expired = session({ expiresAt: new Date(Date.now() - 1000) });
    await sessions.create(expired, 'hash-expired');

    expect((await sessions.findByTokenHash('hash-expired'))?.id).toBe(expired.id);
  });

  it('rejects a second session with the same token hash', async () => {
    await sessions.create(session(), 'hash-dup');
    const error = await sessions.create(session(), 'hash-dup').then(
      () => undefined,
      (caught: unknown) => caught,
    );

    expect(isUniqueViolation(error)).toBe(true);
  });

  it('rejects a session of an unknown identity', async () => {
    await expect(
      sessions.create(session({ identityId: randomUUID() }), 'hash-orphan'),
    ).rejects.toBeDefined();
    expect(await sessions.findByTokenHash('hash-orphan')).toBeUndefined();
  });

  it('deleteByTokenHash returns the id once', async () => {
    const stored = session();
    await sessions.create(stored, 'hash-b');

    expect(await sessions.deleteByTokenHash('hash-b')).toBe(stored.id);
    expect(await sessions.deleteByTokenHash('hash-b')).toBeUndefined();
    expect(await sessions.findByTokenHash('hash-b')).toBeUndefined();
  });

  it('deleteByIdentity removes only that identity', async () => {
    const other: Identity = { id: randomUUID(), traitsSchemaId: 'default', traits: {} };
    await identities.create(other, []);
    await sessions.create(session(), 'hash-1');
    await sessions.create(session(), 'hash-2');
    await sessions.create(session({ identityId: other.id }), 'hash-other');

    expect(await sessions.deleteByIdentity(owner.id)).toBe(2);
    expect(await sessions.findByTokenHash('hash-1')).toBeUndefined();
    expect(await sessions.findByTokenHash('hash-other')).toBeDefined();
  });

  it('deleteExpired removes sessions expired before the time', async () => {
    const now = Date.now();
    await sessions.create(session({ expiresAt: new Date(now - 60_000) }), 'hash-old');
    await sessions.create(session({ expiresAt: new Date(now + 60_000) }), 'hash-new');

    expect(await sessions.deleteExpired(new Date(now))).toBe(1);
    expect(await sessions.findByTokenHash('hash-old')).toBeUndefined();
    expect(await sessions.findByTokenHash('hash-new')).toBeDefined();
  });
});
