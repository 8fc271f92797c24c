import type { GatehouseConfig } from '../../src/config/gatehouse-config.js';
import { FlowFormError } from '../../src/self-service/flow/flow-errors.js';
import { LoginThrottle } from '../../src/self-service/login/login-throttle.js';
import { LoginThrottleRepository } from '../../src/self-service/login/login-throttle.repository.js';
import { databaseKinds } from '../support/databases.js';
import { openContractDatabase, type ContractDatabase } from './contract-database.js';

describe.each(databaseKinds())('LoginThrottle on %s', (kind) => {
  let store: ContractDatabase;
  let repository: LoginThrottleRepository;

  beforeAll(async () => {
    store = await openContractDatabase(kind);
    repository = new LoginThrottleRepository(store.database);
  });

  afterAll(async () => {
    await store.close();
  });

  beforeEach(async () => {
    await store.clear();
  });

  function throttle(windowMs = 60_000): LoginThrottle {
    const config = {
      loginThrottle: { enabled: true, maxPerIdentifier: 2, maxPerAddress: 5, windowMs },
    } as GatehouseConfig;

    return new LoginThrottle(config, repository);
  }

  async function statusOf(attempt: Promise<void>): Promise<number> {
    try {
      await attempt;

      return 200;
    } catch (error) {
      expect(error).toBeInstanceOf(FlowFormError);

      return (error as FlowFormError).status;
    }
  }

  it('blocks an identifier after its limit, with Retry-After', async () => {
    const limiter = throttle();
    expect(await statusOf(limiter.attempt('ada@example.com', '10.0.0.1'))).toBe(200);
    expect(await statusOf(limiter.attempt('ada@example.com', '10.0.0.2'))).toBe(200);
    const blocked = await limiter.attempt('ada@example.com', '10.0.0.3').catch((e: unknown) => e);
    expect(blocked).toBeInstanceOf(FlowFormError);
    expect((blocked as FlowFormError).headers?.['Retry-After']).toMatch(/^(59|60)$/);
    expect(await statusOf(limiter.attempt('grace@example.com', '10.0.0.3'))).toBe(200);
  });

  it('blocks an address after its limit, whatever the identifiers', async () => {
    const limiter = throttle();
    for (let index = 0; index < 5; index += 1) {
      expect(await statusOf(limiter.attempt(`user${index}@example.com`, '10.0.0.9'))).toBe(200);
    }
    expect(await statusOf(limiter.attempt('other@example.com', '10.0.0.9'))).toBe(429);
    expect(await statusOf(limiter.attempt('other@example.com', '10.0.0.10'))).toBe(200);
  });

  it('counts concurrent attempts exactly', async () => {
    const limiter = throttle();
    const statuses = await Promise.all(
      Array.from({ length: 10 }, () => statusOf(limiter.attempt('race@example.com', '10.0.1.1'))),
    );
    expect(statuses.filter((status) => status === 200)).toHaveLength(2);
    expect(statuses.filter((status) => status === 429)).toHaveLength(8);
  });

  it('forgets an identifier after a success', async () => {
    const limiter = throttle();
    await limiter.attempt('ada@example.com', '10.0.0.1');
    await limiter.attempt('ada@example.com', '10.0.0.1');
    await limiter.succeeded('ada@example.com', '10.0.0.1');
    expect(await statusOf(limiter.attempt('ada@example.com', '10.0.0.1'))).toBe(200);
  });

  it('starts over when the window ends', async () => {
    const limiter = throttle(300);
    await limiter.attempt('ada@example.com', '10.0.0.1');
    await limiter.attempt('ada@example.com', '10.0.0.1');
    expect(await statusOf(limiter.attempt('ada@example.com', '10.0.0.1'))).toBe(429);
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(await statusOf(limiter.attempt('ada@example.com', '10.0.0.1'))).toBe(200);
    expect(await limiter.deleteExpired(new Date(Date.now() + 1000))).toBe(2);
  });

  it('stores hashes of fixed size, not identifiers or addresses', async () => {
    const limiter = throttle();
    await limiter.attempt('x'.repeat(100_000), '192.0.2.77');
    const rows = await store.database.client.loginThrottleWindow.findMany();
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row.key.length).toBeLessThan(100);
      expect(row.key).not.toContain('xxxx');
      expect(row.key).not.toContain('192.0.2.77');
    }
  });
});
