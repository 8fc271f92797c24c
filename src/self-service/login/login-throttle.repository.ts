import { Database } from '../../database/database.js';
import { isUniqueViolation } from '../../database/prisma-errors.js';

export interface ThrottleWindow {
  failures: number;
  resetAt: Date;
}

/**
 * Failed-login counters in the database, so that every replica on the database counts against
 * the same limit and a restart forgets nothing. Keys are hashes, never identifiers or addresses.
 */
export class LoginThrottleRepository {
  constructor(private readonly database: Database) {}

  /**
   * Adds one to the key's counter and returns the window after the change. An expired window
   * starts over at one, with a new end `windowMs` from `now`.
   */
  async increment(key: string, windowMs: number, now: Date): Promise<ThrottleWindow> {
    const windows = this.database.client.loginThrottleWindow;
    await windows.deleteMany({ where: { key, resetAt: { lte: now } } });
    const select = { failures: true, resetAt: true } as const;
    try {
      return await windows.upsert({
        where: { key },
        create: { key, failures: 1, resetAt: new Date(now.getTime() + windowMs) },
        update: { failures: { increment: 1 } },
        select,
      });
    } catch (error) {
      // Another replica created the row between the lookup and the insert of this upsert.
      if (!isUniqueViolation(error)) {
        throw error;
      }

      return windows.update({ where: { key }, data: { failures: { increment: 1 } }, select });
    }
  }

  /** Takes one from the key's counter, if it has one above zero. */
  async decrement(key: string): Promise<void> {
    await this.database.client.loginThrottleWindow.updateMany({
      where: { key, failures: { gt: 0 } },
      data: { failures: { decrement: 1 } },
    });
  }

  async delete(key: string): Promise<void> {
    await this.database.client.loginThrottleWindow.deleteMany({ where: { key } });
  }

  /** Deletes windows that ended before the given time; returns how many. */
  async deleteExpired(before: Date): Promise<number> {
    const result = await this.database.client.loginThrottleWindow.deleteMany({
      where: { resetAt: { lte: before } },
    });

    return result.count;
  }
}
