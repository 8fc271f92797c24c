import { setTimeout as sleep } from 'node:timers/promises';

import { admin } from '../support/admin.js';
import { BrowserClient, type TestResponse } from '../support/browser-client.js';
import { databaseKinds } from '../support/databases.js';
import { expectConsistentState, readStoredState } from '../support/db-state.js';
import {
  csrfTokenOf,
  errorIdOf,
  fetchErrorAdmin,
  login,
  register,
  whoami,
} from '../support/flows.js';
import { dropTestDatabases, startGatehouse, type TestServer } from '../support/gatehouse.js';
import { getProfileAdmin, profileForm, startProfile } from '../support/profile.js';

const PASSWORD = 'correct horse battery staple';
const ROUNDS = 5;

interface Person {
  browser: BrowserClient;
  identityId: string;
  email: string;
}

interface PreparedUpdate {
  browser: BrowserClient;
  requestId: string;
  action: string;
  token: string;
}

describe.each(databaseKinds())('concurrent account changes on %s', (database) => {
  let server: TestServer;
  let count = 0;

  beforeAll(async () => {
    server = await startGatehouse({ database });
  });

  afterAll(async () => {
    await server.stop();
    await dropTestDatabases();
  });

  let logsBefore = 0;
  beforeEach(() => {
    logsBefore = server.logs.length;
  });

  afterEach(async () => {
    expectConsistentState(await readStoredState(server.dsn));
    // A race that ends in a 500 is logged even when the browser gets only a redirect.
    const errors = server.logs.slice(logsBefore).filter((line) => line.includes('"level":"error"'));
    expect(errors.map((line) => line.slice(0, 600))).toEqual([]);
  });

  function uniqueEmail(label: string): string {
    count += 1;

    return `${label}-${count}@example.com`;
  }

  async function registerPerson(): Promise<Person> {
    const email = uniqueEmail('person');
    const browser = new BrowserClient();
    expect((await register(browser, server, email, PASSWORD)).location).toBe(
      `${server.publicUrl}/ui/`,
    );
    const identityId = (await whoami(browser, server)).json().identity.id as string;

    return { browser, identityId, email };
  }

  async function prepare(browser: BrowserClient): Promise<PreparedUpdate> {
    const requestId = await startProfile(browser, server);
    const form = await profileForm(browser, server, requestId);

    return { browser, requestId, action: form.action, token: csrfTokenOf(form) };
  }

  function send(update: PreparedUpdate, email: string): Promise<TestResponse> {
    return update.browser.post(update.action, { csrf_token: update.token, 'traits.email': email });
  }

  async function succeeded(update: PreparedUpdate): Promise<boolean> {
    return (await getProfileAdmin(server, update.requestId)).update_successful === true;
  }

  /** Whoami with a cookie header captured earlier, so that a cleared cookie is still sent. */
  function whoamiWith(cookie: string): Promise<Response> {
    return fetch(`${server.publicUrl}/sessions/whoami`, {
      headers: { cookie, accept: 'application/json' },
    });
  }

  async function storedEmail(identityId: string): Promise<string | undefined> {
    const state = await readStoredState(server.dsn);

    return state.identities.find((identity) => identity.id === identityId)?.traits.email as
      string | undefined;
  }

  it('refuses both sides of simultaneous swaps of identifiers', async () => {
    for (let round = 0; round < ROUNDS; round += 1) {
      // Several pairs at once make the swaps collide inside the database, not only in Node.
      const pairs = await Promise.all(
        Array.from({ length: 4 }, async () => {
          const [alice, bob] = await Promise.all([registerPerson(), registerPerson()]);
          const updates = await Promise.all([prepare(alice.browser), prepare(bob.browser)]);

          return { alice, bob, updates };
        }),
      );

      // In any serial order the first change finds its target taken, and so does the second.
      const responses = await Promise.all(
        pairs.flatMap(({ alice, bob, updates }) => [
          send(updates[0], bob.email),
          send(updates[1], alice.email),
        ]),
      );

      expect(responses.map((response) => response.status)).toEqual(responses.map(() => 302));
      for (const { alice, bob, updates } of pairs) {
        for (const update of updates) {
          const result = await getProfileAdmin(server, update.requestId);
          expect(result.update_successful).toBe(false);
          expect(result.form.errors?.map((error: { id: string }) => error.id)).toEqual([
            'identifier_exists',
          ]);
        }
        expect(await storedEmail(alice.identityId)).toBe(alice.email);
        expect(await storedEmail(bob.identityId)).toBe(bob.email);
      }
    }
  });

  it('gives a new identifier wanted by two people and an admin to exactly one of them', async () => {
    for (let round = 0; round < ROUNDS; round += 1) {
      const [carol, dave, erin] = await Promise.all([
        registerPerson(),
        registerPerson(),
        registerPerson(),
      ]);
      const [carolUpdate, daveUpdate] = await Promise.all([
        prepare(carol.browser),
        prepare(dave.browser),
      ]);
      const contested = uniqueEmail('contested');

      const [carolResponse, daveResponse, adminResponse] = await Promise.all([
        send(carolUpdate, contested),
        send(daveUpdate, contested),
        admin(server, 'PUT', `/identities/${erin.identityId}`, {
          json: { traits: { email: contested } },
        }),
      ]);

      expect([carolResponse.status, daveResponse.status]).toEqual([302, 302]);
      expect([200, 409]).toContain(adminResponse.status);
      const winners = [
        (await succeeded(carolUpdate)) ? carol.identityId : undefined,
        (await succeeded(daveUpdate)) ? dave.identityId : undefined,
        adminResponse.status === 200 ? erin.identityId : undefined,
      ].filter((id) => id !== undefined);
      expect(winners).toHaveLength(1);
      for (const person of [carol, dave, erin]) {
        expect(await storedEmail(person.identityId)).toBe(
          person.identityId === winners[0] ? contested : person.email,
        );
      }
    }
  });

  it('ends every session once, whatever order logouts and whoami calls run in', async () => {
    const person = await registerPerson();
    const browsers = [person.browser];
    for (let index = 0; index < 5; index += 1) {
      const browser = new BrowserClient();
      expect((await login(browser, server, person.email, PASSWORD)).location).toBe(
        `${server.publicUrl}/ui/`,
      );
      browsers.push(browser);
    }
    const cookies = await Promise.all(
      browsers.map((browser) => browser.jar.getCookieString(server.publicUrl)),
    );

    const results = await Promise.all(
      cookies.flatMap((cookie) => [
        ...Array.from({ length: 2 }, () =>
          fetch(`${server.publicUrl}/self-service/browser/flows/logout`, {
            headers: { cookie },
            redirect: 'manual',
          }).then((response) => ({ kind: 'logout', response })),
        ),
        ...Array.from({ length: 4 }, () =>
          whoamiWith(cookie).then((response) => ({ kind: 'whoami', response })),
        ),
      ]),
    );

    for (const { kind, response } of results) {
      const allowed = kind === 'logout' ? [302] : [200, 401];
      expect({ kind, status: response.status, allowed: allowed.includes(response.status) }).toEqual(
        { kind, status: response.status, allowed: true },
      );
      if (kind === 'whoami' && response.status === 200) {
        expect(((await response.json()) as any).identity.id).toBe(person.identityId);
      }
    }
    for (const cookie of cookies) {
      expect((await whoamiWith(cookie)).status).toBe(401);
    }
    const stored = (await readStoredState(server.dsn)).identities.find(
      (identity) => identity.id === person.identityId,
    );
    expect(stored?.sessions).toBe(0);
  });

  it('shuts out every session of an identity the moment an admin deletes it', async () => {
    for (let round = 0; round < ROUNDS; round += 1) {
      const person = await registerPerson();
      const browsers = [person.browser];
      for (let index = 0; index < 3; index += 1) {
        const browser = new BrowserClient();
        await login(browser, server, person.email, PASSWORD);
        browsers.push(browser);
      }
      const cookies = await Promise.all(
        browsers.map((browser) => browser.jar.getCookieString(server.publicUrl)),
      );
      const responses: { kind: string; response: TestResponse }[] = [];
      let running = true;
      // Each session keeps reading itself, opening profile requests and changing its email.
      const loops = browsers.map(async (browser) => {
        while (running) {
          responses.push({ kind: 'whoami', response: await whoami(browser, server) });
          const start = await browser.get(`${server.publicUrl}/self-service/browser/flows/profile`);
          responses.push({ kind: 'profile-start', response: start });
          const requestId = start.location
            ? new URL(start.location).searchParams.get('request')
            : null;
          if (!requestId || !start.location?.startsWith(`${server.publicUrl}/ui/profile?`)) {
            continue;
          }
          const form = await getProfileAdmin(server, requestId).catch(() => undefined);
          if (!form) {
            continue;
          }
          responses.push({
            kind: 'profile-submit',
            response: await browser.post(form.form.action, {
              csrf_token: csrfTokenOf(
                await profileForm(browser, server, requestId).catch(() => form.form),
              ),
              'traits.email': uniqueEmail('moving'),
            }),
          });
        }
      });
      await sleep(300);

      const deleted = await admin(server, 'DELETE', `/identities/${person.identityId}`);
      expect(deleted.status).toBe(204);
      const right = await Promise.all(cookies.map((cookie) => whoamiWith(cookie)));
      running = false;
      await Promise.all(loops);

      expect(right.map((response) => response.status)).toEqual(cookies.map(() => 401));
      expect(responses.length).toBeGreaterThan(browsers.length);
      for (const { kind, response } of responses) {
        const allowed = [200, 302, 401, 403].includes(response.status);
        expect({ kind, status: response.status, allowed }).toEqual({
          kind,
          status: response.status,
          allowed: true,
        });
        if (response.location?.includes('/ui/error?')) {
          // A request that vanished with its identity may end on the error page, never with a 5xx.
          const stored = (await (
            await fetchErrorAdmin(server, errorIdOf(response.location))
          ).json()) as {
            errors: { code: number }[];
          };
          const codes = stored.errors.map((error) => error.code);
          expect({
            kind,
            codes,
            allowed: codes.every((code) => [401, 403, 404].includes(code)),
          }).toEqual({ kind, codes, allowed: true });
        }
      }
      const state = await readStoredState(server.dsn);
      expect(state.identities.some((identity) => identity.id === person.identityId)).toBe(false);
    }
  });
});
