import { createHash } from 'node:crypto';

import { GatehouseConfig } from '../../config/gatehouse-config.js';
import { FlowFormError } from '../flow/flow-errors.js';
import { messages } from '../messages.js';
import type { LoginThrottleRepository, ThrottleWindow } from './login-throttle.repository.js';

/**
 * Limits login attempts per identifier and per client address in fixed windows, with the
 * counts in the database so that all replicas share them.
 *
 * Each attempt is counted before its password is checked, so that many attempts sent at once
 * cannot all pass the check before the first failure is recorded; a successful login then takes
 * its attempt back. Once either count exceeds its limit, attempts get 429 with Retry-After until
 * the window ends, without a password check.
 *
 * NOTE: attempts in flight count too, so more correct logins of one identifier at the same
 * moment than max_failures_per_identifier get 429 for the ones over the limit.
 */
export class LoginThrottle {
  constructor(
    private readonly config: GatehouseConfig,
    private readonly repository: LoginThrottleRepository,
  ) {}

  /** Counts an attempt. @throws FlowFormError 429 with Retry-After when the identifier or address is throttled. */
  async attempt(identifier: string, address: string): Promise<void> {
    const settings = this.config.loginThrottle;
    if (!settings.enabled) {
      return;
    }
    const now = new Date();
    const [byIdentifier, byAddress] = await Promise.all([
      this.repository.increment(identifierKey(identifier), settings.windowMs, now),
      this.repository.increment(addressKey(address), settings.windowMs, now),
    ]);
    const blocked = [
      blockedUntil(byIdentifier, settings.maxPerIdentifier),
      blockedUntil(byAddress, settings.maxPerAddress),
    ].filter((until): until is number => until !== undefined);
    if (blocked.length > 0) {
      const seconds = Math.max(1, Math.ceil((Math.max(...blocked) - now.getTime()) / 1000));
      throw FlowFormError.onForm(messages.loginThrottled(seconds), 429, {
        'Retry-After': String(seconds),
      });
    }
  }

  /** Forgets the identifier's failures after a successful login and takes back the address's attempt. */
  async succeeded(identifier: string, address: string): Promise<void> {
    if (!this.config.loginThrottle.enabled) {
      return;
    }
    await Promise.all([
      this.repository.delete(identifierKey(identifier)),
      this.repository.decrement(addressKey(address)),
    ]);
  }

  /** Deletes windows that have ended; returns how many. */
  deleteExpired(now: Date): Promise<number> {
    return this.repository.deleteExpired(now);
  }
}

function blockedUntil(window: ThrottleWindow, limit: number): number | undefined {
  return window.failures > limit ? window.resetAt.getTime() : undefined;
}

/**
 * Keys are SHA-256 hashes, so that each has a fixed size however long the submitted identifier
 * is, and no identifier or address is stored as it was sent.
 */
function identifierKey(identifier: string): string {
  return `identifier:${sha256(identifier)}`;
}

function addressKey(address: string): string {
  return `address:${sha256(address)}`;
}

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}
