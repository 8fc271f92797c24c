import { Injectable } from '@nestjs/common';

import { Database } from '../database/database.js';
import { isRecordNotFound } from '../database/prisma-errors.js';
import type { Identity, Traits } from '../identity/identity.repository.js';
import { SessionCache } from './session-cache.js';

export interface Session {
  id: string;
  identityId: string;
  issuedAt: Date;
  expiresAt: Date;
  authenticatedAt: Date;
}

export interface SessionWithIdentity extends Session {
  identity: Identity;
}

@Injectable()
export class SessionRepository {
  constructor(
    private readonly database: Database,
    private readonly cache: SessionCache,
  ) {}

  /** Stores a session under the SHA-256 hash of its cookie token. */
  async create(session: Session, tokenHash: string): Promise<void> {
    await this.database.client.session.create({ data: { ...session, tokenHash } });
  }

  /** Returns the session with this token hash and its identity, expired or not, or undefined. */
  async findByTokenHash(tokenHash: string): Promise<SessionWithIdentity | undefined> {
    const row = await this.database.client.session.findUnique({
      where: { tokenHash },
      select: {
        id: true,
        identityId: true,
        issuedAt: true,
        expiresAt: true,
        authenticatedAt: true,
        identity: { select: { id: true, traitsSchemaId: true, traits: true } },
      },
    });
    // Prisma reads the identity with a second query: an identity deleted in between comes back
    // as null, and its session is as good as gone.
    const identity = row?.identity as NonNullable<typeof row>['identity'] | null | undefined;
    if (!row || !identity) {
      return undefined;
    }

    return { ...row, identity: { ...identity, traits: (identity.traits ?? {}) as Traits } };
  }

  /**
   * Like findByTokenHash, but may return a session from this process's session cache, which can lag
   * behind changes made by other replicas by up to its TTL (0.5 s). Only whoami uses it.
   */
  async findByTokenHashCached(tokenHash: string): Promise<SessionWithIdentity | undefined> {
    const cached = this.cache.get(tokenHash);
    if (cached) {
      return cached;
    }
    const generation = this.cache.generation();
    const session = await this.findByTokenHash(tokenHash);
    if (session) {
      this.cache.set(tokenHash, session, generation);
    }

    return session;
  }

  /** Deletes the session with this token hash; returns its id, or undefined when there was none. */
  async deleteByTokenHash(tokenHash: string): Promise<string | undefined> {
    try {
      const row = await this.database.client.session.delete({
        where: { tokenHash },
        select: { id: true },
      });

      return row.id;
    } catch (error) {
      if (isRecordNotFound(error)) {
        return undefined;
      }
      throw error;
    } finally {
      this.cache.deleteToken(tokenHash);
    }
  }

  /** Deletes every session of an identity and returns how many there were. */
  async deleteByIdentity(identityId: string): Promise<number> {
    try {
      const result = await this.database.client.session.deleteMany({ where: { identityId } });

      return result.count;
    } finally {
      this.cache.deleteIdentity(identityId);
    }
  }

  /** Deletes sessions that expired before the given time; returns how many. */
  async deleteExpired(before: Date): Promise<number> {
    const result = await this.database.client.session.deleteMany({
      where: { expiresAt: { lt: before } },
    });

    return result.count;
  }
}
