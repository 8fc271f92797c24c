import { Injectable } from '@nestjs/common';

import { asJson, Database } from '../../database/database.js';
import type { Form } from '../form/form.js';

export type FlowKind = 'login' | 'registration';

/** A method offered by a login or registration request, with the form that uses it. */
export interface FlowMethod {
  method: string;
  config: Form;
}

/** A login or registration request, as stored between the browser's steps. */
export interface FlowRequest {
  id: string;
  kind: FlowKind;
  requestUrl: string;
  issuedAt: Date;
  expiresAt: Date;
  active: string;
  /** CSRF token issued with the request; it ties the request to the browser that started it. */
  csrfToken: string;
  methods: Record<string, FlowMethod>;
}

@Injectable()
export class FlowRequestRepository {
  constructor(private readonly database: Database) {}

  async create(request: FlowRequest): Promise<void> {
    await this.database.client.flowRequest.create({
      data: { ...request, methods: asJson(request.methods) },
    });
  }

  /** Returns the request of this kind with this id, or undefined. */
  async find(kind: FlowKind, id: string): Promise<FlowRequest | undefined> {
    const row = await this.database.client.flowRequest.findUnique({ where: { id } });
    if (!row || row.kind !== kind) {
      return undefined;
    }

    return { ...row, kind, methods: row.methods as unknown as Record<string, FlowMethod> };
  }

  /** Stores a request's methods, such as a form with errors after a failed submission. */
  async updateMethods(request: FlowRequest): Promise<void> {
    await this.database.client.flowRequest.update({
      where: { id: request.id },
      data: { methods: asJson(request.methods), active: request.active },
    });
  }

  /** Deletes requests that expired before the given time; returns how many. */
  async deleteExpired(before: Date): Promise<number> {
    const result = await this.database.client.flowRequest.deleteMany({
      where: { expiresAt: { lt: before } },
    });

    return result.count;
  }
}
