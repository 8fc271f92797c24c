import { BrowserClient } from '../support/browser-client.js';
import { databaseKinds } from '../support/databases.js';
import { csrfTokenOf, passwordForm, register, startFlow } from '../support/flows.js';
import { dropTestDatabases, startGatehouse, type TestServer } from '../support/gatehouse.js';

const PASSWORD = 'enumerate this if you can';
const TRIES = 50;

describe.each(databaseKinds())('user enumeration on %s', (database) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startGatehouse({
      database,
      // Hashing parameters of a small production setup make the hash the dominant cost, as it
      // is in production; throttling is off so that every try reaches the password check.
      env: { HASHERS_ARGON2_MEMORY: '19456', HASHERS_ARGON2_ITERATIONS: '2' },
      config: { security: { login_throttle: { enabled: false } } },
    });
    await register(new BrowserClient(), server, 'known@example.com', PASSWORD);
  });

  afterAll(async () => {
    await server.stop();
    await dropTestDatabases();
  });

  /** Times one failed JSON login; returns the duration and the error reason. */
  async function failedLogin(identifier: string): Promise<{ ms: number; reason: string }> {
    const browser = new BrowserClient();
    const id = await startFlow(browser, server, 'login');
    const form = await passwordForm(server, 'login', id);
    const started = performance.now();
    const response = await browser.request(form.action, {
      json: { csrf_token: csrfTokenOf(form), identifier, password: 'not the password' },
      headers: { accept: 'application/json' },
    });
    const ms = performance.now() - started;
    expect(response.status).toBe(400);

    return { ms, reason: response.json().error.reason as string };
  }

  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);

    return (sorted[(sorted.length - 1) >> 1] + sorted[sorted.length >> 1]) / 2;
  };

  it('answers an unknown identifier and a wrong password alike, in the same time', async () => {
    for (let warm = 0; warm < 5; warm += 1) {
      await failedLogin('known@example.com');
      await failedLogin('warm-up@example.com');
    }
    // Other processes on the machine add noise of several milliseconds, so a round that misses
    // the bound is measured again, up to three rounds. A missing dummy verification misses it by
    // far more than 10% in every round.
    const rounds: string[] = [];
    for (let round = 0; round < 3; round += 1) {
      const known: number[] = [];
      const unknown: number[] = [];
      const reasons = new Set<string>();
      // Interleaved, so that load from elsewhere on the machine hits both sides alike.
      for (let attempt = 0; attempt < TRIES; attempt += 1) {
        const wrongPassword = await failedLogin('known@example.com');
        const unknownIdentifier = await failedLogin(`unknown-${round}-${attempt}@example.com`);
        known.push(wrongPassword.ms);
        unknown.push(unknownIdentifier.ms);
        reasons.add(wrongPassword.reason).add(unknownIdentifier.reason);
      }

      expect([...reasons]).toHaveLength(1);
      const [knownMedian, unknownMedian] = [median(known), median(unknown)];
      const difference = Math.abs(knownMedian - unknownMedian) / knownMedian;
      if (difference < 0.1) {
        return;
      }
      rounds.push(
        `median wrong-password login ${knownMedian.toFixed(1)} ms, unknown identifier ${unknownMedian.toFixed(1)} ms: ${(difference * 100).toFixed(1)}% apart`,
      );
    }
    throw new Error(`login timings differ by 10% or more in every round:\n${rounds.join('\n')}`);
  });
});
