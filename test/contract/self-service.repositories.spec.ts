import { randomUUID } from 'node:crypto';

import { HttpError } from '../../src/common/errors.js';
import { translateDatabaseError } from '../../src/database/prisma-errors.js';
import { SelfServiceErrorRepository } from '../../src/self-service/errors/self-service-error.repository.js';
import {
  FlowRequestRepository,
  type FlowRequest,
} from '../../src/self-service/flow/flow-request.repository.js';
import { databaseKinds } from '../support/databases.js';
import { openContractDatabase, type ContractDatabase } from './contract-database.js';

function flowRequest(overrides: Partial<FlowRequest> = {}): FlowRequest {
  const issuedAt = new Date(Math.floor(Date.now() / 1000) * 1000 + 456);

  return {
    id: randomUUID(),
    kind: 'login',
    requestUrl: 'http://127.0.0.1:4433/self-service/browser/flows/login?return_to=%2Fhome',
    issuedAt,
    expiresAt: new Date(issuedAt.getTime() + 3_600_000),
    active: '',
    csrfToken: 'masked-token',
    methods: {
      password: {
        method: 'password',
        config: {
          action: 'http://127.0.0.1:4433/self-service/browser/flows/login/strategies/password',
          method: 'POST',
          fields: [
            { name: 'identifier', type: 'text', required: true, value: 'Zoë' },
            { name: 'age', type: 'number', value: 42 },
          ],
          errors: [{ id: 'credentials_invalid', message: 'The provided credentials are invalid.' }],
        },
      },
    },
    ...overrides,
  };
}

describe.each(databaseKinds())('FlowRequestRepository on %s', (kind) => {
  let store: ContractDatabase;
  let requests: FlowRequestRepository;

  beforeAll(async () => {
    store = await openContractDatabase(kind);
    requests = new FlowRequestRepository(store.database);
  });

  afterAll(async () => {
    await store.close();
  });

  beforeEach(async () => {
    await store.clear();
  });

  it('finds a request of its kind only', async () => {
    const login = flowRequest();
    await requests.create(login);

    expect(await requests.find('login', login.id)).toMatchObject(login);
    expect(await requests.find('registration', login.id)).toBeUndefined();
    expect(await requests.find('login', randomUUID())).toBeUndefined();
  });

  it('updateMethods stores a changed form', async () => {
    const login = flowRequest();
    await requests.create(login);
    const changed: FlowRequest = {
      ...login,
      active: 'password',
      methods: {
        password: {
          ...login.methods.password,
          config: { ...login.methods.password.config, errors: [] },
        },
      },
    };
    await requests.updateMethods(changed);

    expect(await requests.find('login', login.id)).toMatchObject(changed);
  });

  it('deleteExpired removes requests expired before the time', async () => {
    const now = Date.now();
    const old = flowRequest({ expiresAt: new Date(now - 60_000) });
    const fresh = flowRequest({ kind: 'registration', expiresAt: new Date(now + 60_000) });
    await requests.create(old);
    await requests.create(fresh);

    expect(await requests.deleteExpired(new Date(now))).toBe(1);
    expect(await requests.find('login', old.id)).toBeUndefined();
    expect(await requests.find('registration', fresh.id)).toMatchObject(fresh);
  });

  it('text the database cannot store becomes a 400', async () => {
    // SQLite stores U+0000; PostgreSQL rejects it, and the error must not surface as a 500.
    const error = await requests.create(flowRequest({ requestUrl: 'http://x/\u0000' })).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    if (kind === 'postgresql') {
      const translated = translateDatabaseError(error);
      expect(translated).toBeInstanceOf(HttpError);
      expect((translated as HttpError).code).toBe(400);
    } else {
      expect(error).toBeUndefined();
    }
  });
});

describe.each(databaseKinds())('SelfServiceErrorRepository on %s', (kind) => {
  let store: ContractDatabase;
  let errors: SelfServiceErrorRepository;

  beforeAll(async () => {
    store = await openContractDatabase(kind);
    errors = new SelfServiceErrorRepository(store.database);
  });

  afterAll(async () => {
    await store.close();
  });

  beforeEach(async () => {
    await store.clear();
  });

  it('returns stored errors and marks them seen', async () => {
    const stored = {
      id: randomUUID(),
      csrfToken: 'token',
      errors: [
        {
          code: 404,
          status: 'Not Found',
          reason: 'gone',
          message: 'Unable to locate the resource',
        },
      ],
    };
    await errors.create(stored);

    expect(await errors.findAndMarkSeen(stored.id)).toEqual(stored);
    const row = await store.database.client.selfServiceError.findUnique({
      where: { id: stored.id },
    });
    expect(row?.wasSeen).toBe(true);
    expect(row?.seenAt).toBeInstanceOf(Date);

    // It stays readable after it was seen.
    expect(await errors.findAndMarkSeen(stored.id)).toEqual(stored);
  });

  it('returns undefined for an unknown id', async () => {
    expect(await errors.findAndMarkSeen(randomUUID())).toBeUndefined();
  });
});
