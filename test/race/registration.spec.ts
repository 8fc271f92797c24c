import { BrowserClient } from '../support/browser-client.js';
import { databaseKinds } from '../support/databases.js';
import { expectConsistentState, readStoredState } from '../support/db-state.js';
import {
  csrfTokenOf,
  fetchFlow,
  passwordForm,
  requestIdOf,
  startFlow,
  type FormPayload,
} from '../support/flows.js';
import { dropTestDatabases, startGatehouse, type TestServer } from '../support/gatehouse.js';

const REGISTRATIONS = 100;
const IDENTIFIERS = 10;
const PASSWORD = 'correct horse battery staple';

describe.each(databaseKinds())('concurrent registrations on %s', (database) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startGatehouse({ database });
  });

  afterAll(async () => {
    await server.stop();
    await dropTestDatabases();
  });

  it(`lets exactly one of ${REGISTRATIONS / IDENTIFIERS} registrations per identifier through`, async () => {
    // Every flow is ready before the first form goes out, so that the submissions overlap.
    const prepared: { browser: BrowserClient; form: FormPayload; email: string }[] = [];
    for (let index = 0; index < REGISTRATIONS; index += 1) {
      const browser = new BrowserClient();
      const id = await startFlow(browser, server, 'registration');
      // Mixed case: identifiers are compared case-insensitively.
      const email =
        index % 2 === 0
          ? `racer-${index % IDENTIFIERS}@example.com`
          : `Racer-${index % IDENTIFIERS}@Example.com`;
      prepared.push({ browser, form: await passwordForm(server, 'registration', id), email });
    }

    const responses = await Promise.all(
      prepared.map(({ browser, form, email }) =>
        browser.post(form.action, {
          csrf_token: csrfTokenOf(form),
          'traits.email': email,
          password: PASSWORD,
        }),
      ),
    );

    expect(responses.filter((response) => response.status >= 500)).toEqual([]);
    const succeeded = responses.filter(
      (response) => response.status === 302 && response.location === `${server.publicUrl}/ui/`,
    );
    expect(succeeded).toHaveLength(IDENTIFIERS);
    const rejected = responses.filter((response) => !succeeded.includes(response));
    for (const response of rejected) {
      expect(response.status).toBe(302);
      expect(response.location).toMatch(`${server.publicUrl}/ui/registration?request=`);
      const form = (await fetchFlow(server, 'registration', requestIdOf(response.location))).methods
        .password.config as FormPayload;
      expect(form.errors?.map((error) => error.id)).toEqual(['identifier_exists']);
    }

    const state = await readStoredState(server.dsn);
    expectConsistentState(state);
    expect(state.identities).toHaveLength(IDENTIFIERS);
    expect(state.identifiers.sort()).toEqual(
      Array.from({ length: IDENTIFIERS }, (_, index) => `racer-${index}@example.com`).sort(),
    );
    for (const identity of state.identities) {
      expect(identity.password?.hashed).toBe(true);
      expect(identity.sessions).toBe(1);
    }
  });
});
