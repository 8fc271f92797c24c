// The bare baseline for whoami: node:http without a framework, doing the same work as
// Gatehouse's whoami. It reads the signed session cookie, looks the session and its identity
// up through the same driver (better-sqlite3 or pg) and writes the same JSON.
// Usage: node bench/baseline-server.mjs (settings come from BASELINE_* environment variables).
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';

const dsn = process.env.BASELINE_DSN;
const secret = process.env.BASELINE_SECRET;
const cookieName = process.env.BASELINE_COOKIE ?? 'ory_kratos_session';
const publicUrl = (process.env.BASELINE_PUBLIC_URL ?? 'http://127.0.0.1:4433').replace(/\/$/, '');
const port = Number(process.env.BASELINE_PORT ?? 0);

const QUERY = `SELECT s.id, s.issued_at, s.expires_at, s.authenticated_at,
  i.id AS identity_id, i.traits_schema_id, i.traits
  FROM sessions s JOIN identities i ON i.id = s.identity_id WHERE s.token_hash = `;

let lookup;
if (dsn.startsWith('sqlite')) {
  const { default: Sqlite } = await import('better-sqlite3');
  const db = new Sqlite(dsn.replace(/^sqlite3?:\/\//, ''), { readonly: true });
  db.pragma('busy_timeout = 5000');
  const statement = db.prepare(`${QUERY}?`);
  lookup = async (hash) => statement.get(hash);
} else {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: dsn, max: 10 });
  lookup = async (hash) => (await pool.query(`${QUERY}$1`, [hash])).rows[0];
}

function readToken(header) {
  if (!header) {
    return undefined;
  }
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index > 0 && part.slice(0, index).trim() === cookieName) {
      const value = decodeURIComponent(part.slice(index + 1).trim());
      if (!value.startsWith('s:')) {
        return undefined;
      }
      const signed = value.slice(2);
      const dot = signed.lastIndexOf('.');
      const token = signed.slice(0, dot);
      const given = Buffer.from(signed.slice(dot + 1));
      const expected = Buffer.from(
        createHmac('sha256', secret).update(token).digest('base64').replace(/=+$/, ''),
      );

      return given.length === expected.length && timingSafeEqual(given, expected)
        ? token
        : undefined;
    }
  }

  return undefined;
}

const toDate = (value) =>
  value instanceof Date
    ? value
    : new Date(
        typeof value === 'string' && !/[zZ+]/.test(value.slice(10))
          ? `${value.replace(' ', 'T')}Z`
          : value,
      );

function unauthorized(response) {
  response.writeHead(401, { 'Content-Type': 'application/json; charset=utf-8' });
  response.end(
    JSON.stringify({
      error: { code: 401, status: 'Unauthorized', message: 'No valid session cookie found.' },
    }),
  );
}

const server = createServer(async (request, response) => {
  const token = readToken(request.headers.cookie);
  if (!token) {
    unauthorized(response);

    return;
  }
  const row = await lookup(createHash('sha256').update(token).digest('hex'));
  if (!row || toDate(row.expires_at).getTime() <= Date.now()) {
    unauthorized(response);

    return;
  }
  const traits = typeof row.traits === 'string' ? JSON.parse(row.traits) : row.traits;
  const schemaId = row.traits_schema_id || 'default';
  const body = JSON.stringify({
    sid: row.id,
    expires_at: toDate(row.expires_at).toISOString(),
    authenticated_at: toDate(row.authenticated_at).toISOString(),
    issued_at: toDate(row.issued_at).toISOString(),
    identity: {
      id: row.identity_id,
      traits,
      traits_schema_id: schemaId,
      traits_schema_url: `${publicUrl}/schemas/${encodeURIComponent(schemaId)}`,
    },
  });
  response.writeHead(200, {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
  });
  response.end(body);
});

server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
