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

// SQLSTATE of a deadlock (40P01) and a serialization failure (40001).
const WRITE_CONFLICT_CODES = new Set(['40P01', '40001']);

// Prisma codes for an unreachable, closed or timed-out database connection.
const CONNECTION_ERROR_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1011', 'P1017', 'P2024']);

// Node socket errors and driver messages that mean the database could not be reached.
const CONNECTION_ERROR_PATTERN =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EPIPE|Connection terminated|connection timeout|timeout exceeded when trying to connect|Query read timeout|terminating connection|the database system is (starting up|shutting down)|Client has encountered a connection error|Can't reach database server|server closed the connection|SQLITE_BUSY|database is locked/i;

// Prisma's error when a COMMIT failed and its rollback found the transaction closed: the
// database refused or lost the commit, which is the database's fault, not the request's.
// NOTE: Prisma 6.19 drops the COMMIT's own error here. On SQLite the adapter logs it and rolls
// back; on PostgreSQL a commit cut off in flight may or may not have been applied.
const FAILED_COMMIT_PATTERN = /A rollback cannot be executed on a committed transaction/;

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

/**
 * Checks for a foreign-key violation, such as a row that refers to an identity deleted by a
 * concurrent request.
 */
export function isForeignKeyViolation(error: unknown): boolean {
  const candidate = error as PrismaLikeError;

  return (
    candidate?.code === 'P2003' ||
    /Foreign key constraint (violated|failed)|violates foreign key constraint|FOREIGN KEY constraint failed/i.test(
      candidate?.message ?? '',
    )
  );
}

/**
 * Checks for a transaction that PostgreSQL aborted to break a deadlock or a serialization
 * conflict with a concurrent one. Running such a transaction again is safe.
 */
export function isWriteConflict(error: unknown): boolean {
  return (
    (error as PrismaLikeError)?.code === 'P2034' ||
    hasOriginalCode(error, WRITE_CONFLICT_CODES) ||
    /write conflict or a deadlock|deadlock detected|could not serialize access/i.test(
      collectText(error),
    )
  );
}

/**
 * Runs a unit of work, running it again, a few times at most, when the database aborted it in
 * a deadlock or a serialization conflict with a concurrent transaction.
 */
export async function retryOnWriteConflict<T>(work: () => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= attempts || !isWriteConflict(error)) {
        throw error;
      }
      // A short random pause keeps the two transactions from colliding again in step.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
    }
  }
}

/** Whether an error is Prisma's "record to update or delete does not exist". */
export function isRecordNotFound(error: unknown): boolean {
  return (error as PrismaLikeError)?.code === 'P2025';
}

/** Whether an error is SQLite refusing to open or write its file: read-only, full or missing. */
export function isSqliteStorageError(error: unknown): boolean {
  return SQLITE_STORAGE_PATTERN.test(collectText(error));
}

/**
 * Whether an error means the database could not be reached, as opposed to a database that
 * answers but refuses to store data; only the first is worth waiting for at startup.
 */
export function isConnectionError(error: unknown): boolean {
  const text = collectText(error);
  const code = (error as PrismaLikeError)?.code;

  return (
    ((code !== undefined && CONNECTION_ERROR_CODES.has(code)) ||
      CONNECTION_ERROR_PATTERN.test(text)) &&
    !SQLITE_STORAGE_PATTERN.test(text)
  );
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
  if (isWriteConflict(error)) {
    // Left after the retries of retryOnWriteConflict, or from a statement that has none.
    return new HttpError(503, {
      reason: 'The change collided with a concurrent one. Please try again.',
      headers: { 'Retry-After': '1' },
    });
  }
  if (FAILED_COMMIT_PATTERN.test(text)) {
    return new HttpError(503, {
      reason:
        'The database could not commit the change; the server log has the cause. Please try again in a moment.',
      headers: { 'Retry-After': '5' },
    });
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
