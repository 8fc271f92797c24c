import { Injectable } from '@nestjs/common';

import { asJson, Database } from '../../database/database.js';
import type { Form } from '../form/form.js';

/** A profile management request: one person's form for editing their traits. */
export interface ProfileRequest {
  id: string;
  /** The identity whose session started the request; only that identity may use it. */
  identityId: string;
  requestUrl: string;
  issuedAt: Date;
  expiresAt: Date;
  /** The form with the CSRF token issued to the browser that last used the request. */
  form: Form;
  updateSuccessful: boolean;
}

@Injectable()
export class ProfileRequestRepository {
  constructor(private readonly database: Database) {}

  async create(request: ProfileRequest): Promise<void> {
    await this.database.client.profileRequest.create({
      data: { ...request, form: asJson(request.form) },
    });
  }

  /** Returns the request with this id, or undefined. */
  async find(id: string): Promise<ProfileRequest | undefined> {
    const row = await this.database.client.profileRequest.findUnique({ where: { id } });
    if (!row) {
      return undefined;
    }

    return {
      id: row.id,
      identityId: row.identityId,
      requestUrl: row.requestUrl,
      issuedAt: row.issuedAt,
      expiresAt: row.expiresAt,
      form: row.form as unknown as Form,
      updateSuccessful: row.updateSuccessful,
    };
  }

  /**
   * Stores a request's form and success flag.
   *
   * @returns false when the request no longer exists, for example because it was cleaned up.
   */
  async update(request: ProfileRequest): Promise<boolean> {
    const result = await this.database.client.profileRequest.updateMany({
      where: { id: request.id },
      data: { form: asJson(request.form), updateSuccessful: request.updateSuccessful },
    });

    return result.count > 0;
  }

  /** Deletes requests that expired before the given time; returns how many. */
  async deleteExpired(before: Date): Promise<number> {
    const result = await this.database.client.profileRequest.deleteMany({
      where: { expiresAt: { lt: before } },
    });

    return result.count;
  }
}
