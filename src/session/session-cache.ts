import type { SessionWithIdentity } from './session.repository.js';

interface Entry {
  session: SessionWithIdentity;
  until: number;
}

// Bounds memory when many distinct sessions call whoami; the oldest entries go first.
const MAX_ENTRIES = 10_000;

/** How long whoami may use a session kept in this process's memory; other replicas see changes within it. */
export const SESSION_CACHE_TTL_MS = 500;

/**
 * A small per-process cache of sessions found by whoami, keyed by token hash. Entries live
 * for at most the TTL, so a logout or deletion on another replica (sharing the database) is
 * seen within it. On this process, logouts, identity updates and deletions remove the
 * entries at once: both listeners share one instance (see core.module.ts).
 *
 * A lookup that read the database before a logout or deletion committed must not put the
 * session back after that change cleared it, so every clearing bumps a generation, and `set`
 * drops sessions read under an older one.
 */
export class SessionCache {
  private readonly entries = new Map<string, Entry>();
  private clearings = 0;

  constructor(private readonly ttlMs: number = SESSION_CACHE_TTL_MS) {}

  get(tokenHash: string): SessionWithIdentity | undefined {
    const entry = this.entries.get(tokenHash);
    if (!entry) {
      return undefined;
    }
    if (entry.until <= Date.now()) {
      this.entries.delete(tokenHash);

      return undefined;
    }

    return entry.session;
  }

  /** Returns the generation to pass to `set` for a session read from the database after this call. */
  generation(): number {
    return this.clearings;
  }

  /** Keeps a session read from the database, unless the cache was cleared since `generation`. */
  set(tokenHash: string, session: SessionWithIdentity, generation: number): void {
    if (this.ttlMs <= 0 || generation !== this.clearings) {
      return;
    }
    if (this.entries.size >= MAX_ENTRIES) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) {
        this.entries.delete(oldest);
      }
    }
    this.entries.set(tokenHash, { session, until: Date.now() + this.ttlMs });
  }

  /** Forgets the session with this token hash. */
  deleteToken(tokenHash: string): void {
    this.clearings += 1;
    this.entries.delete(tokenHash);
  }

  /** Forgets every session of an identity, after its sessions, traits or existence changed. */
  deleteIdentity(identityId: string): void {
    this.clearings += 1;
    for (const [tokenHash, entry] of this.entries) {
      if (entry.session.identityId === identityId) {
        this.entries.delete(tokenHash);
      }
    }
  }
}
