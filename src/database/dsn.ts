import { ConfigError } from '../config/config.loader.js';

export type DatabaseTarget =
  { kind: 'sqlite'; file: string; inMemory: boolean } | { kind: 'postgresql'; url: string };

/**
 * Interprets the `dsn` setting: `memory`, `sqlite://PATH` (also `sqlite3://`) or
 * `postgres://...` (also `postgresql://`).
 *
 * @throws ConfigError for any other form. The message never repeats the DSN, which may hold a password.
 */
export function parseDsn(dsn: string): DatabaseTarget {
  if (dsn === 'memory') {
    return { kind: 'sqlite', file: ':memory:', inMemory: true };
  }

  const sqlite = /^sqlite3?:\/\/([^?]*)(\?.*)?$/.exec(dsn);
  if (sqlite) {
    const query = new URLSearchParams(sqlite[2] ?? '');
    const file = decodeURIComponent(sqlite[1]);
    if (query.get('mode') === 'memory' || file === ':memory:') {
      return { kind: 'sqlite', file: ':memory:', inMemory: true };
    }
    if (file === '') {
      throw new ConfigError(
        'Invalid configuration: dsn is sqlite:// without a file path; use for example sqlite://./data/gatehouse.sqlite.',
      );
    }

    return { kind: 'sqlite', file, inMemory: false };
  }

  if (/^postgres(ql)?:\/\//.test(dsn)) {
    try {
      new URL(dsn);
    } catch {
      throw new ConfigError(
        'Invalid configuration: dsn starts with postgres:// but is not a valid URL; use postgres://USER:PASSWORD@HOST:PORT/DATABASE.',
      );
    }

    return { kind: 'postgresql', url: dsn };
  }

  const scheme = /^([a-z0-9+.-]+):/i.exec(dsn)?.[1];
  const given = scheme ? `a ${scheme}: DSN` : 'not a recognised DSN';
  throw new ConfigError(
    `Invalid configuration: dsn is ${given} but must be memory, sqlite://PATH, or postgres://USER:PASSWORD@HOST:PORT/DATABASE.`,
  );
}
