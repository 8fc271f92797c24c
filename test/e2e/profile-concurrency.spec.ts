import { BrowserClient, type TestResponse } from '../support/browser-client.js';
import { databaseKinds } from '../support/databases.js';
import { login, register, whoami } from '../support/flows.js';
import { dropTestDatabases, startGatehouse, type TestServer } from '../support/gatehouse.js';
import { adminIdentity, getProfileAdmin, profileForm, startProfile } from '../support/profile.js';
import { csrfTokenOf } from '../support/flows.js';

const PASSWORD = 'correct horse battery staple';
const ROUNDS = 3;
const WRITERS = 6;

interface Person {
  browser: BrowserClient;
  identityId: string;
  email: string;
}

/** A prepared submission: the request's form action and CSRF token, ready to post at once. */
interface PreparedUpdate {
  browser: BrowserClient;
  requestId: string;
  action: string;
  token: string;
}

describe.each(databaseKinds())('concurrent profile updates on %s', (database) => {
  let server: TestServer;
  let count = 0;

  beforeAll(async () => {
    server = await startGatehouse({ database });
  });

  afterAll(async () => {
    await server.stop();
    await dropTestDatabases();
  });

  function uniqueEmail(label: string): string {
    count += 1;

    return `${label}-${count}@example.com`;
  }

  async function registerPerson(): Promise<Person> {
    const email = uniqueEmail('person');
    const browser = new BrowserClient();
    expect((await register(browser, server, email, PASSWORD)).status).toBe(302);
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

  /** Logs in with the identifier and returns whether that signs in as the given identity. */
  async function logsInAs(identifier: string, identityId: string): Promise<boolean> {
    const browser = new BrowserClient();
    const response = await login(browser, server, identifier, PASSWORD);
    if (response.location !== `${server.publicUrl}/ui/`) {
      return false;
    }

    return (await whoami(browser, server)).json().identity.id === identityId;
  }

  function expectBackOnProfilePage(response: TestResponse, update: PreparedUpdate): void {
    expect(response.status).toBe(302);
    expect(response.location).toBe(`${server.publicUrl}/ui/profile?request=${update.requestId}`);
  }

  it('leaves one identifier when one person changes the email in parallel', async () => {
    for (let round = 0; round < ROUNDS; round += 1) {
      const person = await registerPerson();
      const updates = await Promise.all(
        Array.from({ length: WRITERS }, () => prepare(person.browser)),
      );
      const candidates = updates.map(() => uniqueEmail('parallel'));

      const responses = await Promise.all(
        updates.map((update, index) => send(update, candidates[index])),
      );

      responses.forEach((response, index) => expectBackOnProfilePage(response, updates[index]));
      for (const update of updates) {
        expect((await getProfileAdmin(server, update.requestId)).update_successful).toBe(true);
      }
      const stored = (await adminIdentity(server, person.identityId)).traits.email as string;
      expect(candidates).toContain(stored);
      expect(await logsInAs(stored, person.identityId)).toBe(true);
      for (const candidate of [person.email, ...candidates.filter((email) => email !== stored)]) {
        expect(await logsInAs(candidate, person.identityId)).toBe(false);
        // No stale identifier stays reserved for the person.
        const newcomer = await register(new BrowserClient(), server, candidate, PASSWORD);
        expect(newcomer.location).toBe(`${server.publicUrl}/ui/`);
      }
    }
  });

  it('gives a contested email to exactly one person', async () => {
    for (let round = 0; round < ROUNDS; round += 1) {
      const people = await Promise.all(Array.from({ length: WRITERS }, () => registerPerson()));
      const updates = await Promise.all(people.map((person) => prepare(person.browser)));
      const contested = uniqueEmail('contested');

      const responses = await Promise.all(updates.map((update) => send(update, contested)));

      responses.forEach((response, index) => expectBackOnProfilePage(response, updates[index]));
      const results = await Promise.all(
        updates.map((update) => getProfileAdmin(server, update.requestId)),
      );
      const winners = results.filter((result) => result.update_successful === true);
      expect(winners).toHaveLength(1);
      const losers = results.filter((result) => result.update_successful !== true);
      for (const loser of losers) {
        expect(loser.form.errors?.map((error: { id: string }) => error.id)).toEqual([
          'identifier_exists',
        ]);
      }
      const winnerId = winners[0].identity.id as string;
      expect(await logsInAs(contested, winnerId)).toBe(true);
      for (const person of people.filter((candidate) => candidate.identityId !== winnerId)) {
        expect((await adminIdentity(server, person.identityId)).traits.email).toBe(person.email);
        expect(await logsInAs(person.email, person.identityId)).toBe(true);
      }
    }
  });

  it('keeps traits and identifiers in step when people swap emails', async () => {
    for (let round = 0; round < ROUNDS; round += 1) {
      const alice = await registerPerson();
      const bob = await registerPerson();
      const aliceUpdate = await prepare(alice.browser);
      const bobUpdate = await prepare(bob.browser);
      const bobNext = uniqueEmail('bob-next');

      // Alice takes Bob's address while Bob moves to a new one; either order may win.
      const [aliceResponse, bobResponse] = await Promise.all([
        send(aliceUpdate, bob.email),
        send(bobUpdate, bobNext),
      ]);

      expectBackOnProfilePage(aliceResponse, aliceUpdate);
      expectBackOnProfilePage(bobResponse, bobUpdate);
      expect((await getProfileAdmin(server, bobUpdate.requestId)).update_successful).toBe(true);
      expect(await logsInAs(bobNext, bob.identityId)).toBe(true);
      const aliceEmail = (await adminIdentity(server, alice.identityId)).traits.email as string;
      expect([alice.email, bob.email]).toContain(aliceEmail);
      expect(await logsInAs(aliceEmail, alice.identityId)).toBe(true);
      const aliceResult = await getProfileAdmin(server, aliceUpdate.requestId);
      expect(aliceResult.update_successful).toBe(aliceEmail === bob.email);
    }
  });
});
