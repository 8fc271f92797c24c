import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { BrowserClient, type TestResponse } from '../support/browser-client.js';
import {
  createTestDatabase,
  databaseKinds,
  POSTGRESQL_URL,
  type TestDatabase,
} from '../support/databases.js';
import { readStoredState } from '../support/db-state.js';
import { csrfTokenOf, passwordForm } from '../support/flows.js';
import { startGatehouse, type TestServer } from '../support/gatehouse.js';
import { TcpProxy } from '../support/tcp-proxy.js';

// The configured database.query_timeout: requests during an outage must fail within it.
const QUERY_TIMEOUT_MS = 2000;
// Slack for the HTTP round trip and the event loop on a shared, busy machine.
const SLACK_MS = 750;
const OUTAGE_MS = 10_000;
const WORKERS = 6;
// Registrations submitted around the moment of the cut.
const BURST = 12;
const PASSWORD = 'correct horse battery staple';
// How long whoami may return a session from its cache after looking it up just before the cut.
const SESSION_CACHE_TTL_MS = 500;

type Operation = 'register-start' | 'register-submit' | 'login' | 'whoami' | 'admin-list';

interface Sample {
  operation: Operation;
  started: number;
  ended: number;
  status: number;
  /** Whether the body is the error envelope with the response's status. */
  envelope: boolean;
  /** Transport failure, such as a reset connection; never expected. */
  failure?: string;
}

interface Registration {
  email: string;
  /** Whether the server answered with the redirect of a finished registration. */
  succeeded: boolean;
}

const postgresqlOnly = databaseKinds().includes('postgresql') ? describe : describe.skip;

postgresqlOnly('PostgreSQL outage under steady load', () => {
  let proxy: TcpProxy;
  let database: TestDatabase;
  let directory: string;
  let server: TestServer;
  let accounts: { email: string; browser: BrowserClient }[];
  let counter = 0;

  beforeAll(async () => {
    const target = new URL(POSTGRESQL_URL);
    proxy = await TcpProxy.start(target.hostname, Number(target.port || 5432));
    directory = mkdtempSync(path.join(tmpdir(), 'gatehouse-outage-'));
    database = await createTestDatabase('postgresql', directory);
    const dsn = new URL(database.dsn);
    dsn.host = `127.0.0.1:${proxy.port}`;
    server = await startGatehouse({
      dsn: dsn.toString(),
      args: ['--migrate'],
      env: { DATABASE_QUERY_TIMEOUT: `${QUERY_TIMEOUT_MS}ms` },
    });
    accounts = [];
    for (let index = 0; index < WORKERS; index += 1) {
      const browser = new BrowserClient();
      const email = `account-${index}@example.com`;
      const registration = await registerOnce(browser, email);
      expect(registration.succeeded).toBe(true);
      accounts.push({ email, browser });
    }
  });

  afterAll(async () => {
    await server?.stop();
    await proxy?.stop();
    await database?.drop();
    rmSync(directory, { recursive: true, force: true });
  });

  /** Sends one request, records how it went, and returns the response, if any. */
  async function timed(
    operation: Operation,
    samples: Sample[],
    send: () => Promise<TestResponse>,
  ): Promise<TestResponse | undefined> {
    const started = performance.now();
    try {
      const response = await send();
      samples.push({
        operation,
        started,
        ended: performance.now(),
        status: response.status,
        envelope: isEnvelope(response.body, response.status),
      });

      return response;
    } catch (error) {
      samples.push({
        operation,
        started,
        ended: performance.now(),
        status: 0,
        envelope: false,
        failure: String(error),
      });

      return undefined;
    }
  }

  /** Starts a flow and reads its password form; undefined when either step fails. */
  async function prepareFlow(
    browser: BrowserClient,
    kind: 'login' | 'registration',
    operation: Operation,
    samples: Sample[],
  ) {
    const start = await timed(operation, samples, () =>
      browser.get(`${server.publicUrl}/self-service/browser/flows/${kind}`),
    );
    const id = start?.location ? new URL(start.location).searchParams.get('request') : null;
    if (start?.status !== 302 || !id) {
      return undefined;
    }

    return passwordForm(server, kind, id).catch(() => undefined);
  }

  async function registerOnce(
    browser: BrowserClient,
    email: string,
    samples: Sample[] = [],
    registrations: Registration[] = [],
  ): Promise<Registration> {
    const form = await prepareFlow(browser, 'registration', 'register-start', samples);
    if (!form) {
      return { email, succeeded: false };
    }
    const submit = await timed('register-submit', samples, () =>
      browser.post(form.action, {
        csrf_token: csrfTokenOf(form),
        'traits.email': email,
        password: PASSWORD,
      }),
    );
    const registration = {
      email,
      succeeded: submit?.status === 302 && submit.location === `${server.publicUrl}/ui/`,
    };
    registrations.push(registration);

    return registration;
  }

  /** Runs every kind of request from several workers until `until` resolves. */
  async function steadyLoad(until: Promise<void>) {
    const samples: Sample[] = [];
    const registrations: Registration[] = [];
    let running = true;
    void until.then(() => (running = false));
    const worker = async (index: number) => {
      const account = accounts[index];
      while (running) {
        counter += 1;
        await registerOnce(
          new BrowserClient(),
          `load-${counter}@example.com`,
          samples,
          registrations,
        );
        await timed('whoami', samples, () =>
          account.browser.get(`${server.publicUrl}/sessions/whoami`, {
            accept: 'application/json',
          }),
        );
        await timed('admin-list', samples, () =>
          new BrowserClient().get(`${server.adminUrl}/identities?per_page=5`, {
            accept: 'application/json',
          }),
        );
        const browser = new BrowserClient();
        const form = await prepareFlow(browser, 'login', 'login', samples);
        if (form) {
          await timed('login', samples, () =>
            browser.post(form.action, {
              csrf_token: csrfTokenOf(form),
              identifier: account.email,
              password: PASSWORD,
            }),
          );
        }
        // Keeps the load steady without saturating two shared cores.
        await sleep(20);
      }
    };
    await Promise.all(accounts.map((_account, index) => worker(index)));

    return { samples, registrations };
  }

  async function probe(url: string): Promise<{ status: number; body: any; ms: number }> {
    const started = performance.now();
    const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
    const body = await response.json();

    return { status: response.status, body, ms: performance.now() - started };
  }

  /** Polls readiness until it has the wanted status; returns the time that took. */
  async function readinessBecomes(status: number, limitMs: number): Promise<number> {
    const started = performance.now();
    for (;;) {
      const ready = await probe(`${server.publicUrl}/health/ready`);
      if (ready.status === status) {
        if (status === 503) {
          expect(ready.body).toEqual({ errors: { database: expect.any(String) } });
        }

        return performance.now() - started;
      }
      if (performance.now() - started > limitMs) {
        return performance.now() - started;
      }
      await sleep(100);
    }
  }

  it.each(['refused', 'blackhole'] as const)(
    'serves 503 fast while connections are %s, recovers, and loses no registration',
    async (kind) => {
      let markCut = 0;
      let markRestore = 0;
      let stopLoad!: () => void;
      const loadDone = new Promise<void>((resolve) => (stopLoad = resolve));
      const load = steadyLoad(loadDone);
      try {
        // Registrations whose forms are ready, sent in a stream that the cut lands in the middle of.
        const burst: Registration[] = [];
        const forms = await Promise.all(
          Array.from({ length: BURST }, async () => {
            // With the steady load running, a busy machine can keep a start waiting for a pooled
            // connection past the 2 s timeout. The burst only needs its forms before the cut.
            for (let attempt = 1; ; attempt += 1) {
              const browser = new BrowserClient();
              const form = await prepareFlow(browser, 'registration', 'register-start', []);
              if (form) {
                return { browser, form };
              }
              if (attempt === 5) {
                throw new Error('Could not start a registration before the cut.');
              }
              await sleep(200);
            }
          }),
        );
        await sleep(1000);
        const submitted = forms.map(async ({ browser, form }, index) => {
          await sleep(index * 25);
          counter += 1;
          const email = `burst-${counter}@example.com`;
          const response = await browser
            .post(form.action, {
              csrf_token: csrfTokenOf(form),
              'traits.email': email,
              password: PASSWORD,
            })
            .catch(() => undefined);
          burst.push({
            email,
            succeeded: response?.status === 302 && response.location === `${server.publicUrl}/ui/`,
          });
        });
        await sleep((BURST * 25) / 2);

        markCut = performance.now();
        await (kind === 'refused' ? proxy.cut() : proxy.blackhole());
        const notReadyAfter = await readinessBecomes(503, 5000);
        expect(notReadyAfter).toBeLessThan(2000);
        const aliveChecks: number[] = [];
        while (performance.now() - markCut < OUTAGE_MS) {
          aliveChecks.push((await probe(`${server.adminUrl}/health/alive`)).status);
          expect(server.process.exitCode).toBeNull();
          await sleep(500);
        }
        expect(new Set(aliveChecks)).toEqual(new Set([200]));

        markRestore = performance.now();
        await proxy.restore();
        const readyAfter = await readinessBecomes(200, 5000);
        expect(readyAfter).toBeLessThan(2000);
        // Let load run on the restored database for a while, then stop it.
        await sleep(3000);
        stopLoad();
        const { samples, registrations } = await load;
        await Promise.all(submitted);
        registrations.push(...burst);

        expect(server.process.exitCode).toBeNull();
        expect(samples.filter((sample) => sample.failure)).toEqual([]);
        expect(samples.filter((sample) => sample.status >= 500 && sample.status !== 503)).toEqual(
          [],
        );
        // Requests that started once readiness had turned 503, early enough in the outage to
        // have failed before the restore if they fail within the timeout.
        const during = samples.filter(
          (sample) =>
            sample.started > markCut + notReadyAfter &&
            sample.started < markRestore - QUERY_TIMEOUT_MS - SLACK_MS,
        );
        expect(during.length).toBeGreaterThan(WORKERS);
        const late = during.filter(
          (sample) =>
            !servedFromSessionCache(sample, markCut) &&
            (sample.status !== 503 ||
              !sample.envelope ||
              sample.ended - sample.started > QUERY_TIMEOUT_MS + SLACK_MS),
        );
        expect(late.map((sample) => ({ ...sample, ms: sample.ended - sample.started }))).toEqual(
          [],
        );
        // Every request that started two seconds after the restore was served.
        const after = samples.filter((sample) => sample.started > markRestore + 2000);
        expect(after.length).toBeGreaterThan(WORKERS);
        expect(after.filter((sample) => sample.status >= 500)).toEqual([]);
        for (const operation of ['register-submit', 'login', 'whoami', 'admin-list'] as const) {
          expect(after.some((sample) => sample.operation === operation)).toBe(true);
        }

        // Each registration is stored whole (identity, password credential and identifier) or
        // not at all, and each one the server confirmed is stored.
        const state = await readStoredState(database.dsn);
        const byEmail = new Map(
          state.identities.map((identity) => [identity.traits.email as string, identity]),
        );
        for (const identity of state.identities) {
          expect({ email: identity.traits.email, password: identity.password }).toEqual({
            email: identity.traits.email,
            password: { hashed: true, identifiers: [identity.traits.email] },
          });
        }
        expect(state.orphans).toEqual({ credentials: 0, identifiers: 0, sessions: 0 });
        for (const registration of registrations.filter((candidate) => candidate.succeeded)) {
          expect(byEmail.has(registration.email)).toBe(true);
        }
        expect(registrations.some((registration) => !registration.succeeded)).toBe(true);
      } finally {
        stopLoad();
        await load.catch(() => undefined);
        await proxy.restore();
      }
    },
  );
});

function servedFromSessionCache(sample: Sample, cutAt: number): boolean {
  return (
    sample.operation === 'whoami' &&
    sample.status === 200 &&
    sample.started < cutAt + SESSION_CACHE_TTL_MS
  );
}

function isEnvelope(text: string, status: number): boolean {
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };

    return body.error?.code === status && typeof body.error.message === 'string';
  } catch {
    return false;
  }
}
