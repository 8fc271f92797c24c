import { randomBytes } from 'node:crypto';

import { Semaphore } from 'async-mutex';
import argon2 from 'argon2';

import type { Argon2Settings } from '../../config/gatehouse-config.js';

/**
 * Hashes and verifies passwords with argon2id. The work runs on libuv's thread pool, off the
 * event loop, and at most `maxConcurrent` hashes run at once: further requests wait in line,
 * so memory stays near maxConcurrent × memory however many logins arrive together.
 */
export class PasswordHasher {
  private readonly slots: Semaphore;
  private dummyHash: Promise<string> | undefined;

  constructor(private readonly settings: Argon2Settings) {
    this.slots = new Semaphore(settings.maxConcurrent);
  }

  /** Returns the PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`) of a new salted hash. */
  hash(password: string): Promise<string> {
    return this.slots.runExclusive(() =>
      argon2.hash(password, {
        type: argon2.argon2id,
        memoryCost: this.settings.memory,
        timeCost: this.settings.iterations,
        parallelism: this.settings.parallelism,
        salt: randomBytes(this.settings.saltLength),
        hashLength: this.settings.keyLength,
      }),
    );
  }

  /**
   * Checks a password against a stored hash, using the parameters recorded in the hash.
   * A hash that cannot be parsed counts as a mismatch.
   */
  verify(hash: string, password: string): Promise<boolean> {
    return this.slots.runExclusive(async () => {
      try {
        return await argon2.verify(hash, password);
      } catch {
        // A malformed or foreign hash format cannot match any password.
        return false;
      }
    });
  }

  /**
   * Spends the same work as verifying a real hash and returns false. Used for unknown
   * identifiers so that response times do not reveal which accounts exist.
   */
  async verifyDummy(password: string): Promise<false> {
    this.dummyHash ??= this.hash('gatehouse-timing-equaliser');
    await this.verify(await this.dummyHash, password);

    return false;
  }
}
