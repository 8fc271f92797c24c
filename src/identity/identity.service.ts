import { randomUUID } from 'node:crypto';

import { Injectable } from '@nestjs/common';
import { Ajv, type ErrorObject } from 'ajv';

import { GatehouseConfig } from '../config/gatehouse-config.js';
import { badRequest, HttpError, resourceNotFound } from '../common/errors.js';
import { joinUrl } from '../common/url.js';
import { isUuid } from '../common/uuid.js';
import { IDENTITY_BODY_SCHEMA, type IdentityBody } from './identity-body.schema.js';
import type { IdentityDto } from './identity.dto.js';
import {
  IdentifierTakenError,
  IdentityRepository,
  type Identity,
  type Traits,
} from './identity.repository.js';
import { TraitsSchemaRegistry } from './traits-schema.registry.js';
import { findNulCharacters, jsonType, type TraitsViolation } from './traits-validation.js';

export const DEFAULT_SCHEMA_ID = 'default';

/** Raised when traits do not satisfy their schema; carries every violation. */
export class TraitsInvalidError extends Error {
  constructor(readonly violations: TraitsViolation[]) {
    super('traits invalid');
  }

  /** The admin API's rendering: the first message as reason, every message by JSON pointer in details. */
  toHttpError(): HttpError {
    const details: Record<string, string[]> = {};
    for (const violation of this.violations) {
      (details[violation.pointer] ??= []).push(violation.message);
    }
    const first = this.violations[0]?.message ?? 'the traits are invalid';

    return badRequest(first.charAt(0).toLowerCase() + first.slice(1), { details });
  }
}

@Injectable()
export class IdentityService {
  private readonly validateBody = new Ajv({ allErrors: true, verbose: true }).compile<IdentityBody>(
    IDENTITY_BODY_SCHEMA,
  );

  constructor(
    private readonly identities: IdentityRepository,
    private readonly schemas: TraitsSchemaRegistry,
    private readonly config: GatehouseConfig,
  ) {}

  /**
   * Validates traits against a schema and returns the password identifiers they declare.
   *
   * @throws TraitsInvalidError listing every violation.
   */
  async checkTraits(schemaId: string, traits: Traits): Promise<string[]> {
    const unstorable = findNulCharacters(traits);
    if (unstorable.length > 0) {
      throw new TraitsInvalidError(unstorable);
    }
    const result = await this.schemas.check(schemaId || DEFAULT_SCHEMA_ID, traits);
    if (result.violations.length > 0) {
      throw new TraitsInvalidError(result.violations);
    }

    return result.identifiers;
  }

  /** Creates an identity from an admin request body; it gets identifiers but no password. */
  async create(body: unknown): Promise<Identity> {
    const identity = { ...this.parseBody(body), id: randomUUID() };
    const identifiers = await this.checkTraitsForAdmin(identity);

    return this.translate(() => this.identities.create(identity, identifiers));
  }

  async get(id: string): Promise<Identity> {
    const identity = isUuid(id) ? await this.identities.findById(id.toLowerCase()) : undefined;
    if (!identity) {
      throw resourceNotFound();
    }

    return identity;
  }

  /** Returns one page of identities and whether another page follows. */
  async list(page: number, perPage: number): Promise<{ identities: Identity[]; hasNext: boolean }> {
    const rows = await this.identities.list((page - 1) * perPage, perPage + 1);

    return { identities: rows.slice(0, perPage), hasNext: rows.length > perPage };
  }

  /** Replaces traits and schema; a changed identifier trait changes the login identifier with it. */
  async update(id: string, body: unknown): Promise<Identity> {
    if (!isUuid(id)) {
      throw resourceNotFound();
    }
    const identity = { ...this.parseBody(body), id: id.toLowerCase() };
    const identifiers = await this.checkTraitsForAdmin(identity);
    const updated = await this.translate(() => this.identities.update(identity, identifiers));
    if (!updated) {
      throw resourceNotFound();
    }

    return identity;
  }

  async delete(id: string): Promise<void> {
    const deleted = isUuid(id) && (await this.identities.delete(id.toLowerCase()));
    if (!deleted) {
      throw resourceNotFound();
    }
  }

  /** Converts an identity to its API form, with the URL of its traits schema. */
  toDto(identity: Identity): IdentityDto {
    const schemaId = identity.traitsSchemaId || DEFAULT_SCHEMA_ID;

    return {
      id: identity.id,
      traits: identity.traits,
      traits_schema_id: schemaId,
      traits_schema_url: this.schemaUrl(schemaId),
    };
  }

  /** Returns the URL where the public listener serves a traits schema. */
  schemaUrl(schemaId: string): string {
    return joinUrl(this.config.publicUrl, `schemas/${encodeURIComponent(schemaId)}`);
  }

  /**
   * Reads a create or update body. An identity as GET returns it is accepted as it is: the
   * server ignores `id`, and takes `traits_schema_url` only when it names the schema that
   * `traits_schema_id` selects, since the URL is derived and cannot choose a schema itself.
   */
  private parseBody(body: unknown): Omit<Identity, 'id'> {
    if (!this.validateBody(body)) {
      throw describeBodyErrors(this.validateBody.errors ?? []);
    }
    const traitsSchemaId = body.traits_schema_id || DEFAULT_SCHEMA_ID;
    if (!this.schemas.has(traitsSchemaId)) {
      throw badRequest(
        `The JSON Schema "${traitsSchemaId}" for this identity's traits could not be found.`,
        { details: { '/traits_schema_id': ['names no configured traits schema'] } },
      );
    }
    const schemaUrl = this.schemaUrl(traitsSchemaId);
    if (body.traits_schema_url && body.traits_schema_url !== schemaUrl) {
      throw badRequest('Use the traits_schema_id to set a traits schema.', {
        details: {
          '/traits_schema_url': [
            `must be left out or be ${schemaUrl}, the URL of the schema that traits_schema_id selects`,
          ],
        },
      });
    }

    return { traitsSchemaId, traits: body.traits ?? {} };
  }

  private async checkTraitsForAdmin(identity: Identity): Promise<string[]> {
    try {
      return await this.checkTraits(identity.traitsSchemaId, identity.traits);
    } catch (error) {
      throw error instanceof TraitsInvalidError ? error.toHttpError() : error;
    }
  }

  private async translate<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw error instanceof IdentifierTakenError ? error.toHttpError() : error;
    }
  }
}

/** Turns schema errors of a create or update body into one 400 that names every failing field. */
function describeBodyErrors(errors: ErrorObject[]): HttpError {
  const details: Record<string, string[]> = {};
  const reasons: string[] = [];
  for (const error of errors) {
    const [pointer, message] = describeBodyError(error);
    (details[pointer || '/'] ??= []).push(message);
    reasons.push(`${pointer ? pointer.slice(1) : 'The request body'} ${message}`);
  }
  const reason = reasons.length > 0 ? reasons.join('; ') : 'The request body is not an identity';

  return badRequest(`${reason}.`, { details });
}

function describeBodyError(error: ErrorObject): [pointer: string, message: string] {
  if (error.keyword === 'additionalProperties') {
    const key = String(error.params.additionalProperty);

    return [
      `/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`,
      'is not allowed: an identity has only id, traits, traits_schema_id and traits_schema_url, and credentials cannot be set here',
    ];
  }
  if (error.keyword === 'type') {
    const expected = String(error.params.type);

    return [
      error.instancePath,
      `must be ${withArticle(expected === 'object' ? 'JSON object' : expected)}, but is ${describeType(error.data)}`,
    ];
  }

  return [error.instancePath, error.message ?? 'is invalid'];
}

function describeType(value: unknown): string {
  const type = jsonType(value);

  return type === 'null' ? 'null' : withArticle(type);
}

function withArticle(noun: string): string {
  return `${/^[aeiou]/i.test(noun) ? 'an' : 'a'} ${noun}`;
}
