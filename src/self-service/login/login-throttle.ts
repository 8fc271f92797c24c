import { createHash } from 'node:crypto';

import { GatehouseConfig } from '../../config/gatehouse-config.js';
import { FlowFormError } from '../flow/flow-errors.js';
import { messages } from '../messages.js';

interface Window {
  failures: number;
  resetAt: number;
}

// Bounds memory under a flood of distinct identifiers or addresses; the oldest windows go first.
const MAX_TRACKED_KEYS = 100_000;

/**
 * Counts failed logins per identifier and per client address in fixed windows, and rejects
 * further attempts with 429 once either count reaches its limit, until the window ends.
 *
 * NOTE: counts live in this process's memory, so with several replicas an attacker gets the
 * limit once per replica, and a restart forgets them.
 */
export class LoginThrottle {
  private readonly windows = new Map<string, Window>();

  constructor(private readonly config: GatehouseConfig) {}

  /** @throws FlowFormError 429 with Retry-After when the identifier or address is throttled. */
  check(identifier: string, address: string): void {
    const settings = this.config.loginThrottle;
    if (!settings.enabled) {
      return;
    }
    const now = Date.now();
    const blocked = [
      this.blockedUntil(identifierKey(identifier), settings.maxPerIdentifier, now),
      this.blockedUntil(`address:${address}`, settings.maxPerAddress, now),
    ].filter((until): until is number => until !== undefined);
    if (blocked.length > 0) {
      const seconds = Math.max(1, Math.ceil((Math.max(...blocked) - now) / 1000));
      throw FlowFormError.onForm(messages.loginThrottled(seconds), 429, {
        'Retry-After': String(seconds),
      });
    }
  }

  recordFailure(identifier: string, address: string): void {
    if (!this.config.loginThrottle.enabled) {
      return;
    }
    const now = Date.now();
    for (const key of [identifierKey(identifier), `address:${address}`]) {
      const window = this.current(key, now) ?? {
        failures: 0,
        resetAt: now + this.config.loginThrottle.windowMs,
      };
      window.failures += 1;
      this.windows.delete(key);
      this.windows.set(key, window);
    }
    while (this.windows.size > MAX_TRACKED_KEYS) {
      this.windows.delete(this.windows.keys().next().value as string);
    }
  }

  /** Forgets the identifier's failures after a successful login; the address keeps its count. */
  recordSuccess(identifier: string): void {
    this.windows.delete(identifierKey(identifier));
  }

  private blockedUntil(key: string, limit: number, now: number): number | undefined {
    const window = this.current(key, now);

    return window && window.failures >= limit ? window.resetAt : undefined;
  }

  private current(key: string, now: number): Window | undefined {
    const window = this.windows.get(key);
    if (window && window.resetAt <= now) {
      this.windows.delete(key);

      return undefined;
    }

    return window;
  }
}

/**
 * Map key of an identifier: its SHA-256 hash, so that each tracked key has a fixed size however
 * long the submitted identifiers are, and no identifier is kept in memory as it was typed.
 */
function identifierKey(identifier: string): string {
  return `identifier:${createHash('sha256').update(identifier).digest('base64url')}`;
}
