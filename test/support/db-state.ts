import Sqlite from 'better-sqlite3';
import pg from 'pg';

/** One identity as stored, with its password credential and sessions, read straight from the tables. */
export interface StoredIdentity {
  id: string;
  traits: Record<string, unknown>;
  /** The password credential, or undefined when the identity has none. */
  password?: { hashed: boolean; identifiers: string[] };
  sessions: number;
}

/** Every row that matters for consistency checks, read from the database a server uses. */
export interface StoredState {
  identities: StoredIdentity[];
  /** Credentials, identifiers and sessions whose owner row is missing. */
  orphans: { credentials: number; identifiers: number; sessions: number };
  identifiers: string[];
}

interface Rows {
  identities: { id: string; traits: unknown }[];
  credentials: { id: string; identity_id: string; type: string; config: unknown }[];
  identifiers: { identifier: string; identity_credential_id: string }[];
  sessions: { identity_id: string }[];
}

const QUERIES = {
  identities: 'SELECT id, traits FROM identities',
  credentials: 'SELECT id, identity_id, type, config FROM identity_credentials',
  identifiers: 'SELECT identifier, identity_credential_id FROM identity_credential_identifiers',
  sessions: 'SELECT identity_id FROM sessions',
} as const;

/**
 * Reads the stored identities, credentials and sessions of a test database directly, without
 * going through Gatehouse, so that a test sees what was committed rather than what the API says.
 */
export async function readStoredState(dsn: string): Promise<StoredState> {
  return summarise(dsn.startsWith('postgres') ? await readPostgresql(dsn) : readSqlite(dsn));
}

function readSqlite(dsn: string): Rows {
  const file = decodeURIComponent(dsn.replace(/^sqlite3?:\/\//, '').replace(/\?.*$/, ''));
  const db = new Sqlite(file, { readonly: true, fileMustExist: true });
  try {
    const all = <T>(sql: string) => db.prepare(sql).all() as T[];

    return {
      identities: all(QUERIES.identities),
      credentials: all(QUERIES.credentials),
      identifiers: all(QUERIES.identifiers),
      sessions: all(QUERIES.sessions),
    };
  } finally {
    db.close();
  }
}

async function readPostgresql(dsn: string): Promise<Rows> {
  const client = new pg.Client({ connectionString: dsn, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    const all = async <T>(sql: string) => (await client.query(sql)).rows as T[];

    return {
      identities: await all(QUERIES.identities),
      credentials: await all(QUERIES.credentials),
      identifiers: await all(QUERIES.identifiers),
      sessions: await all(QUERIES.sessions),
    };
  } finally {
    await client.end();
  }
}

function parsed(value: unknown): any {
  return typeof value === 'string' ? JSON.parse(value) : value;
}

function summarise(rows: Rows): StoredState {
  const identityIds = new Set(rows.identities.map((row) => row.id));
  const credentialIds = new Set(rows.credentials.map((row) => row.id));
  const identities = rows.identities.map((row): StoredIdentity => {
    const credential = rows.credentials.find(
      (candidate) => candidate.identity_id === row.id && candidate.type === 'password',
    );
    const config = credential ? parsed(credential.config) : undefined;

    return {
      id: row.id,
      traits: parsed(row.traits) as Record<string, unknown>,
      password: credential
        ? {
            hashed: typeof config?.hashed_password === 'string',
            identifiers: rows.identifiers
              .filter((identifier) => identifier.identity_credential_id === credential.id)
              .map((identifier) => identifier.identifier)
              .sort(),
          }
        : undefined,
      sessions: rows.sessions.filter((session) => session.identity_id === row.id).length,
    };
  });

  return {
    identities,
    identifiers: rows.identifiers.map((row) => row.identifier),
    orphans: {
      credentials: rows.credentials.filter((row) => !identityIds.has(row.identity_id)).length,
      identifiers: rows.identifiers.filter((row) => !credentialIds.has(row.identity_credential_id))
        .length,
      sessions: rows.sessions.filter((row) => !identityIds.has(row.identity_id)).length,
    },
  };
}

/**
 * Checks the invariants every serial order of requests keeps: identifiers are unique, each
 * identity's password identifiers are exactly its email trait, and nothing is orphaned.
 */
export function expectConsistentState(state: StoredState): void {
  expect(state.orphans).toEqual({ credentials: 0, identifiers: 0, sessions: 0 });
  expect(new Set(state.identifiers).size).toBe(state.identifiers.length);
  for (const identity of state.identities) {
    const email = identity.traits.email;
    expect({ id: identity.id, identifiers: identity.password?.identifiers }).toEqual({
      id: identity.id,
      identifiers: [typeof email === 'string' ? email.toLowerCase() : email],
    });
  }
}
