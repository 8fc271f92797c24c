import { randomUUID } from 'node:crypto';

import { Injectable } from '@nestjs/common';

import { conflict } from '../common/errors.js';
import { asJson, Database } from '../database/database.js';
import {
  isRecordNotFound,
  isUniqueViolation,
  retryOnWriteConflict,
} from '../database/prisma-errors.js';
import { SessionCache } from '../session/session-cache.js';

export type Traits = Record<string, unknown>;

/** An identity as the API shows it; credentials are read through separate methods. */
export interface Identity {
  id: string;
  traitsSchemaId: string;
  traits: Traits;
}

/** What stays private to the password strategy: the stored hash, if any. */
export interface PasswordCredentials {
  identity: Identity;
  /** PHC string of the argon2id hash; undefined for identities made through the admin API. */
  hashedPassword?: string;
}

export const PASSWORD_CREDENTIAL = 'password';

/** Raised when a password identifier already belongs to another identity. */
export class IdentifierTakenError extends Error {
  constructor(readonly identifier: string) {
    super('identifier taken');
  }

  toHttpError() {
    return conflict(`An identity with the identifier "${this.identifier}" exists already.`, {
      message:
        'Unable to insert or update resource because a resource with that value exists already',
    });
  }
}

@Injectable()
export class IdentityRepository {
  constructor(
    private readonly database: Database,
    private readonly sessionCache: SessionCache,
  ) {}

  /**
   * Inserts an identity with a password credential for its identifiers, in one transaction.
   * The credential is stored when there are identifiers or a hash.
   *
   * @throws IdentifierTakenError when an identifier belongs to another identity.
   */
  async create(
    identity: Identity,
    identifiers: string[],
    hashedPassword?: string,
  ): Promise<Identity> {
    const withCredential = identifiers.length > 0 || hashedPassword !== undefined;
    try {
      await this.database.client.identity.create({
        data: {
          id: identity.id,
          traitsSchemaId: identity.traitsSchemaId,
          traits: asJson(identity.traits),
          credentials: withCredential
            ? {
                create: {
                  id: randomUUID(),
                  type: PASSWORD_CREDENTIAL,
                  config: hashedPassword ? { hashed_password: hashedPassword } : {},
                  identifiers: {
                    create: identifiers.map((identifier) => ({ id: randomUUID(), identifier })),
                  },
                },
              }
            : undefined,
        },
      });
    } catch (error) {
      throw await this.refineUniqueViolation(error, identifiers);
    }

    return identity;
  }

  /** Returns the identity, or undefined when no identity has this id. */
  async findById(id: string): Promise<Identity | undefined> {
    const row = await this.database.client.identity.findUnique({ where: { id } });

    return row ? toIdentity(row) : undefined;
  }

  /** Returns one page of identities, oldest first, with ties broken by id. */
  async list(offset: number, limit: number): Promise<Identity[]> {
    const rows = await this.database.client.identity.findMany({
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      skip: offset,
      take: limit,
    });

    return rows.map(toIdentity);
  }

  async count(): Promise<number> {
    return this.database.client.identity.count();
  }

  /** Returns the password identifiers of an identity, in no particular order. */
  async findPasswordIdentifiers(identityId: string): Promise<string[]> {
    const rows = await this.database.client.identityCredentialIdentifier.findMany({
      where: { credential: { identityId, type: PASSWORD_CREDENTIAL } },
      select: { identifier: true },
    });

    return rows.map((row) => row.identifier);
  }

  /**
   * Reads the password credentials registered for an identifier. This is the only method
   * that returns a password hash; only the login flow calls it.
   */
  async findPasswordCredentials(identifier: string): Promise<PasswordCredentials | undefined> {
    const row = await this.database.client.identityCredentialIdentifier.findUnique({
      where: { identifier },
      select: { credential: { select: { type: true, config: true, identity: true } } },
    });
    if (!row || row.credential.type !== PASSWORD_CREDENTIAL) {
      return undefined;
    }
    const config = row.credential.config as { hashed_password?: unknown } | null;

    return {
      identity: toIdentity(row.credential.identity),
      hashedPassword:
        typeof config?.hashed_password === 'string' ? config.hashed_password : undefined,
    };
  }

  /**
   * Replaces an identity's traits and schema and, in the same transaction, its password
   * identifiers. The stored password hash is kept.
   *
   * @returns false when no identity has this id.
   * @throws IdentifierTakenError when a new identifier belongs to another identity.
   */
  async update(identity: Identity, identifiers: string[]): Promise<boolean> {
    try {
      // Two people swapping identifiers delete and insert the same unique keys in opposite
      // order; PostgreSQL breaks that deadlock by aborting one transaction, which runs again.
      return await retryOnWriteConflict(() => this.updateInTransaction(identity, identifiers));
    } catch (error) {
      throw await this.refineUniqueViolation(error, identifiers, identity.id);
    } finally {
      // whoami on this process must show the new traits at once.
      this.sessionCache.deleteIdentity(identity.id);
    }
  }

  private updateInTransaction(identity: Identity, identifiers: string[]): Promise<boolean> {
    return this.database.client.$transaction(async (tx) => {
      const updated = await tx.identity.updateMany({
        where: { id: identity.id },
        data: { traitsSchemaId: identity.traitsSchemaId, traits: asJson(identity.traits) },
      });
      if (updated.count === 0) {
        return false;
      }
      if (identifiers.length === 0) {
        await tx.identityCredentialIdentifier.deleteMany({
          where: { credential: { identityId: identity.id, type: PASSWORD_CREDENTIAL } },
        });

        return true;
      }
      const credential = await tx.identityCredential.upsert({
        where: { identityId_type: { identityId: identity.id, type: PASSWORD_CREDENTIAL } },
        create: {
          id: randomUUID(),
          identityId: identity.id,
          type: PASSWORD_CREDENTIAL,
          config: {},
        },
        update: {},
        select: { id: true, identifiers: { select: { identifier: true } } },
      });
      const current = new Set(credential.identifiers.map((row) => row.identifier));
      const wanted = new Set(identifiers);
      const removed = [...current].filter((identifier) => !wanted.has(identifier));
      const added = [...wanted].filter((identifier) => !current.has(identifier));
      if (removed.length > 0) {
        await tx.identityCredentialIdentifier.deleteMany({
          where: { credentialId: credential.id, identifier: { in: removed } },
        });
      }
      for (const identifier of added) {
        await tx.identityCredentialIdentifier.create({
          data: { id: randomUUID(), credentialId: credential.id, identifier },
        });
      }

      return true;
    });
  }

  /**
   * Deletes an identity; its credentials, sessions and flow requests go with it.
   *
   * @returns false when no identity has this id.
   */
  async delete(id: string): Promise<boolean> {
    try {
      await retryOnWriteConflict(() => this.database.client.identity.delete({ where: { id } }));

      return true;
    } catch (error) {
      if (isRecordNotFound(error)) {
        return false;
      }
      throw error;
    } finally {
      // Its sessions are gone with it; whoami on this process must return 401 at once.
      this.sessionCache.deleteIdentity(id);
    }
  }

  /** Names the identifier behind a unique violation, or returns the error unchanged. */
  private async refineUniqueViolation(
    error: unknown,
    identifiers: string[],
    ownerId?: string,
  ): Promise<unknown> {
    if (!isUniqueViolation(error)) {
      return error;
    }
    const taken = await this.database.client.identityCredentialIdentifier.findFirst({
      where: {
        identifier: { in: identifiers },
        ...(ownerId ? { credential: { identityId: { not: ownerId } } } : {}),
      },
      select: { identifier: true },
    });

    return new IdentifierTakenError(taken?.identifier ?? identifiers[0] ?? '');
  }
}

function toIdentity(row: { id: string; traitsSchemaId: string; traits: unknown }): Identity {
  return { id: row.id, traitsSchemaId: row.traitsSchemaId, traits: (row.traits ?? {}) as Traits };
}
