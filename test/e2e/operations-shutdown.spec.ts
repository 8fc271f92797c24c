import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

import { createIdentity, listAllIdentities } from '../support/admin.js';
import { BrowserClient } from '../support/browser-client.js';
import { databaseKinds } from '../support/databases.js';
import { csrfTokenOf, login, passwordForm, register, startFlow, whoami } from '../support/flows.js';
import { dropTestDatabases, startGatehouse, type TestServer } from '../support/gatehouse.js';

// Slow argon2 settings make a registration take well over a second, so that it is still
// running when SIGTERM arrives. The hashing code is the same as with fast settings.
const SLOW_HASHING = { HASHERS_ARGON2_MEMORY: '65536', HASHERS_ARGON2_ITERATIONS: '12' };

/** Sends SIGTERM and resolves with the exit code and the time until the process ended. */
function terminate(server: TestServer): Promise<{ code: number | null; ms: number }> {
  const started = performance.now();
  const exited = new Promise<{ code: number | null; ms: number }>((resolve) =>
    server.process.once('exit', (code) => resolve({ code, ms: performance.now() - started })),
  );
  server.process.kill('SIGTERM');

  return exited;
}

/** Starts a registration and sends its form without waiting for the response. */
async function startRegistration(server: TestServer, email: string) {
  const browser = new BrowserClient();
  const id = await startFlow(browser, server, 'registration');
  const form = await passwordForm(server, 'registration', id);
  const sent = performance.now();
  const response = browser
    .post(form.action, {
      csrf_token: csrfTokenOf(form),
      'traits.email': email,
      password: 'a slow but sound passphrase',
    })
    .then(
      (result) => ({ result, ms: performance.now() - sent }),
      (error: unknown) => ({ error, ms: performance.now() - sent }),
    );

  return { browser, response };
}

async function waitForLog(server: TestServer, text: string): Promise<void> {
  const started = performance.now();
  while (!server.logs.some((line) => line.includes(text))) {
    if (performance.now() - started > 5000) {
      throw new Error(`no log line with "${text}" within 5 s`);
    }
    await sleep(20);
  }
}

async function refusesConnections(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(1000) });

    return false;
  } catch {
    return true;
  }
}

describe.each(databaseKinds())('graceful shutdown on %s', (database) => {
  afterAll(async () => {
    await dropTestDatabases();
  });

  it('reports 503, finishes requests in flight and exits 0', async () => {
    const server = await startGatehouse({
      database,
      env: { ...SLOW_HASHING, SERVE_SHUTDOWN_DELAY: '1s', SERVE_SHUTDOWN_GRACE_PERIOD: '20s' },
    });
    try {
      const registration = await startRegistration(server, 'in-flight@example.com');
      await sleep(200);
      const exit = terminate(server);
      const signalled = performance.now();
      await waitForLog(server, 'Received shutdown signal');

      // During the delay the listeners still accept requests, but readiness is 503.
      for (const base of [server.publicUrl, server.adminUrl]) {
        const ready = await fetch(`${base}/health/ready`);
        expect(ready.status).toBe(503);
        expect(await ready.json()).toEqual({ errors: { shutdown: expect.any(String) } });
        const alive = await fetch(`${base}/health/alive`);
        expect(alive.status).toBe(200);
      }

      const { result, ms } = (await registration.response) as {
        result: Awaited<ReturnType<BrowserClient['post']>>;
        ms: number;
      };
      expect(result.status).toBe(302);
      expect(result.location).toBe(`${server.publicUrl}/ui/`);
      expect(result.headers.getSetCookie().join('\n')).toContain('ory_kratos_session=');
      // It was still being hashed when the signal arrived.
      expect(ms).toBeGreaterThan(performance.now() - signalled);

      const { code, ms: exitMs } = await exit;
      expect(code).toBe(0);
      expect(exitMs).toBeLessThan(20_000);
      expect(await refusesConnections(`${server.adminUrl}/health/alive`)).toBe(true);
      const logs = server.logs.join('\n');
      expect(logs).toContain('Shutting down: readiness reports 503');
      expect(logs).toContain('Gatehouse stopped');
      expect(logs).not.toContain('before every request finished');

      // The registration that finished during shutdown was stored.
      const next = await startGatehouse({ dsn: server.dsn });
      try {
        const emails = (await listAllIdentities(next)).map((identity) => identity.traits.email);
        expect(emails).toContain('in-flight@example.com');
      } finally {
        await next.stop();
      }
    } finally {
      await server.stop();
    }
  });

  it('finishes every request of a steady load that started before the signal', async () => {
    const realFetch = globalThis.fetch;
    const server = await startGatehouse({
      database,
      env: { SERVE_SHUTDOWN_GRACE_PERIOD: '8s' },
    });
    try {
      // Every HTTP request the load sends is recorded, also those inside multi-step flows.
      const samples: { started: number; status: number; failure?: string; url: string }[] = [];
      globalThis.fetch = async (input, init) => {
        const started = performance.now();
        const url = String(input instanceof Request ? input.url : input);
        try {
          const response = await realFetch(input, init);
          samples.push({ started, url, status: response.status });

          return response;
        } catch (error) {
          const cause = (error as { cause?: { code?: string } }).cause?.code;
          samples.push({ started, url, status: 0, failure: `${String(error)} (${cause})` });
          throw error;
        }
      };
      const attempt = (send: () => Promise<unknown>) => send().catch(() => undefined);
      const person = new BrowserClient();
      await register(person, server, 'steady@example.com', 'a steady sound passphrase');
      let running = true;
      let counter = 0;
      const worker = async () => {
        while (running) {
          counter += 1;
          const browser = new BrowserClient();
          const email = `load-${counter}@example.com`;
          await attempt(() => register(browser, server, email, 'a steady sound passphrase'));
          await attempt(() => whoami(person, server));
          await attempt(() => fetch(`${server.adminUrl}/identities?per_page=5`));
          await attempt(() =>
            login(new BrowserClient(), server, 'steady@example.com', 'a steady sound passphrase'),
          );
        }
      };
      const workers = Array.from({ length: 6 }, () => worker());
      await sleep(1500);

      // A burst sent just before the signal: its connections are still being opened when the
      // process starts to shut down.
      const burst = Array.from({ length: 30 }, (_, index) =>
        attempt(() => fetch(`${index % 2 ? server.adminUrl : server.publicUrl}/health/alive`)),
      );
      const signalled = performance.now();
      const { code, ms } = await terminate(server);
      running = false;
      await Promise.all([...workers, ...burst]);

      expect(code).toBe(0);
      expect(ms).toBeLessThan(8000);
      const before = samples.filter((sample) => sample.started < signalled);
      expect(before.length).toBeGreaterThan(20);
      expect(before.filter((sample) => sample.status === 0 || sample.status >= 500)).toEqual([]);
      expect(server.logs.join('\n')).not.toContain('before every request finished');
    } finally {
      globalThis.fetch = realFetch;
      await server.stop();
    }
  });

  it('stops accepting at once without a delay', async () => {
    const server = await startGatehouse({ database });
    try {
      await createIdentity(server, { email: 'quick@example.com' });
      const { code, ms } = await terminate(server);
      expect(code).toBe(0);
      expect(ms).toBeLessThan(5000);
      expect(await refusesConnections(`${server.publicUrl}/health/alive`)).toBe(true);
    } finally {
      await server.stop();
    }
  });

  it('cuts off requests that outlast the grace period and still exits 0', async () => {
    const server = await startGatehouse({
      database,
      env: { SERVE_SHUTDOWN_GRACE_PERIOD: '1s', SERVE_REQUEST_TIMEOUT: '60s' },
    });
    try {
      // A client that sends a tenth of its body and then stalls keeps its request in flight.
      const { port } = new URL(server.adminUrl);
      const socket = connect(Number(port), '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.write(
        'POST /identities HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"traits":',
      );
      const closedBy = new Promise<string>((resolve) => {
        let received = '';
        socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
        socket.once('close', () => resolve(received));
      });
      await sleep(200);

      const { code, ms } = await terminate(server);
      expect(code).toBe(0);
      expect(ms).toBeLessThan(2500);
      expect(await closedBy).toBe('');
      expect(server.logs.join('\n')).toContain(
        'The grace period ended before every request finished',
      );
    } finally {
      await server.stop();
    }
  });
});
