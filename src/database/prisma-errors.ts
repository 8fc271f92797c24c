import { databaseUnavailable, HttpError } from '../common/errors.js';

interface PrismaLikeError {
  name?: string;
  code?: string;
  /** SQLSTATE of a PostgreSQL error, as driver adapters report it. */
  originalCode?: string;
  message?: string;
  meta?: Record<string, unknown>;
  cause?: unknown;
}

// PostgreSQL cannot store U+0000 in text (22021) or in jsonb (22P05), and rejects the row.
const UNSTORABLE_TEXT_CODES = new Set(['22021', '22P05']);

// Prisma codes for an unreachable, closed or timed-out database connection.
const CONNECTION_ERROR_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1011', 'P1017', 'P2024']);

// Node socket errors and driver messages that mean the database could not be reached.
const CONNECTION_ERROR_PATTERN =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EPIPE|Connection terminated|connection timeout|timeout exceeded when trying to connect|Query read timeout|terminating connection|the database system is (starting up|shutting down)|Client has encountered a connection error|Can't reach database server|server closed the connection|SQLITE_BUSY|database is locked/i;

const SQLITE_STORAGE_PATTERN =
  /SQLITE_READONLY|attempt to write a readonly database|SQLITE_FULL|database or disk is full|SQLITE_IOERR|disk I\/O error|SQLITE_CANTOPEN|unable to open database/i;

/** Whether an error is Prisma's unique-constraint violation. */
export function isUniqueViolation(error: unknown): boolean {
  const candidate = error as PrismaLikeError;

  return (
    candidate?.code === 'P2002' ||
    /UNIQUE constraint failed|duplicate key value violates unique constraint/i.test(
      candidate?.message ?? '',
    )
  );
}

/** Whether an error is Prisma's "record to update or delete does not exist". */
export function isRecordNotFound(error: unknown): boolean {
  return (error as PrismaLikeError)?.code === 'P2025';
}

/**
 * Translates database failures that are not the caller's fault into HTTP errors: an unreachable
 * or overloaded database is 503, a read-only or full SQLite file is 503 with its own reason.
 * Anything else is returned unchanged for the caller to handle or to surface as a 500.
 */
export function translateDatabaseError(error: unknown): unknown {
  if (error instanceof HttpError) {
    return error;
  }
  if (hasOriginalCode(error, UNSTORABLE_TEXT_CODES)) {
    return new HttpError(400, {
      reason:
        'The request contains text that the database cannot store, such as the NUL character (U+0000).',
    });
  }
  const text = collectText(error);
  const code = (error as PrismaLikeError)?.code;
  if ((code && CONNECTION_ERROR_CODES.has(code)) || CONNECTION_ERROR_PATTERN.test(text)) {
    return databaseUnavailable();
  }
  if (SQLITE_STORAGE_PATTERN.test(text)) {
    return new HttpError(503, {
      reason:
        'The database cannot store data right now: its file is read-only or the disk is full.',
      headers: { 'Retry-After': '5' },
    });
  }

  return error;
}

function hasOriginalCode(error: unknown, codes: Set<string>, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 4) {
    return false;
  }
  const candidate = error as PrismaLikeError;

  return (
    (candidate.originalCode !== undefined && codes.has(candidate.originalCode)) ||
    hasOriginalCode(candidate.cause, codes, depth + 1)
  );
}

function collectText(error: unknown, depth = 0): string {
  if (!error || depth > 4) {
    return '';
  }
  const candidate = error as PrismaLikeError;
  const own = `${candidate.code ?? ''} ${candidate.message ?? ''} ${JSON.stringify(candidate.meta ?? {})}`;

  return `${own} ${collectText(candidate.cause, depth + 1)}`;
}
