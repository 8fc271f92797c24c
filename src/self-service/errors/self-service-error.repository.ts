import { Injectable } from '@nestjs/common';

import type { ErrorPayload } from '../../common/errors.js';
import { asJson, Database } from '../../database/database.js';

export interface StoredFlowError {
  id: string;
  errors: ErrorPayload[];
  csrfToken: string;
}

@Injectable()
export class SelfServiceErrorRepository {
  constructor(private readonly database: Database) {}

  async create(error: StoredFlowError): Promise<void> {
    await this.database.client.selfServiceError.create({
      data: { id: error.id, errors: asJson(error.errors), csrfToken: error.csrfToken },
    });
  }

  /** Returns the stored error and marks it seen, or returns undefined when there is none. */
  async findAndMarkSeen(id: string): Promise<StoredFlowError | undefined> {
    const row = await this.database.client.selfServiceError.findUnique({ where: { id } });
    if (!row) {
      return undefined;
    }
    if (!row.wasSeen) {
      await this.database.client.selfServiceError.update({
        where: { id },
        data: { wasSeen: true, seenAt: new Date() },
      });
    }

    return {
      id: row.id,
      errors: row.errors as unknown as ErrorPayload[],
      csrfToken: row.csrfToken,
    };
  }
}
