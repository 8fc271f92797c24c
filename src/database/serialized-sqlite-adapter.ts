import type {
  IsolationLevel,
  SqlDriverAdapter,
  SqlDriverAdapterFactory,
  SqlQuery,
  SqlResultSet,
  Transaction,
} from '@prisma/driver-adapter-utils';
import { Mutex } from 'async-mutex';

/**
 * Wraps Prisma's better-sqlite3 adapter so that statements outside a transaction wait while
 * a transaction is open.
 *
 * The adapter keeps one connection and serialises transactions among themselves, but a plain
 * query from another request would otherwise run on that connection between BEGIN and COMMIT,
 * and be committed or rolled back with a transaction it has nothing to do with.
 */
export class SerializedSqliteAdapter implements SqlDriverAdapter {
  readonly provider: SqlDriverAdapter['provider'];
  readonly adapterName: string;
  private readonly mutex = new Mutex();

  /**
   * @param onCommitFailure called with the error of a COMMIT that failed, for example on a full
   *   disk, after the transaction has been rolled back.
   */
  constructor(
    private readonly inner: SqlDriverAdapter,
    private readonly onCommitFailure: (error: unknown) => void = () => undefined,
  ) {
    this.provider = inner.provider;
    this.adapterName = inner.adapterName;
  }

  queryRaw(query: SqlQuery): Promise<SqlResultSet> {
    return this.mutex.runExclusive(() => this.inner.queryRaw(query));
  }

  executeRaw(query: SqlQuery): Promise<number> {
    return this.mutex.runExclusive(() => this.inner.executeRaw(query));
  }

  executeScript(script: string): Promise<void> {
    return this.mutex.runExclusive(() => this.inner.executeScript(script));
  }

  async startTransaction(isolationLevel?: IsolationLevel): Promise<Transaction> {
    const release = await this.mutex.acquire();
    try {
      const transaction = await this.inner.startTransaction(isolationLevel);

      return releasingOnEnd(transaction, release, this.onCommitFailure);
    } catch (error) {
      release();
      throw error;
    }
  }

  dispose(): Promise<void> {
    return this.inner.dispose();
  }

  /** A factory for PrismaClient that hands out this one shared connection. */
  asFactory(): SqlDriverAdapterFactory {
    return {
      provider: this.provider,
      adapterName: this.adapterName,
      connect: () => Promise.resolve(this),
    };
  }
}

/**
 * Releases the lock when the transaction ends. Prisma ends a transaction by sending COMMIT and
 * then calling commit(). When COMMIT itself fails, as on a full disk, Prisma calls neither
 * commit() nor rollback(), so this wrapper rolls back and releases instead; otherwise both
 * locks would stay held and every later query would wait forever.
 */
function releasingOnEnd(
  transaction: Transaction,
  release: () => void,
  onCommitFailure: (error: unknown) => void,
): Transaction {
  let released = false;
  const releaseOnce = () => {
    if (!released) {
      released = true;
      release();
    }
  };

  return {
    provider: transaction.provider,
    adapterName: transaction.adapterName,
    options: transaction.options,
    queryRaw: (query) => transaction.queryRaw(query),
    executeRaw: async (query) => {
      try {
        return await transaction.executeRaw(query);
      } catch (error) {
        if (/^\s*COMMIT\b/i.test(query.sql)) {
          // SQLite may have rolled back already, in which case ROLLBACK fails harmlessly.
          await transaction
            .executeRaw({ sql: 'ROLLBACK', args: [], argTypes: [] })
            .catch(() => undefined);
          await transaction.rollback().finally(releaseOnce);
          onCommitFailure(error);
        }
        throw error;
      }
    },
    commit: () => transaction.commit().finally(releaseOnce),
    rollback: () => transaction.rollback().finally(releaseOnce),
  };
}
