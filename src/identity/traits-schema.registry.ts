import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

import { Ajv, type AnySchemaObject, type SchemaValidateFunction, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

import type { GatehouseConfig } from '../config/gatehouse-config.js';
import { HttpError, internalError } from '../common/errors.js';
import {
  describeViolations,
  EXTENSION_KEYWORD,
  jsonType,
  type TraitsViolation,
} from './traits-validation.js';

/** The schema extension that marks traits as login identifiers, as in ORY Kratos. */
const EXTENSION_KEY = 'ory.sh/kratos';

const REMOTE_SCHEMA_TIMEOUT_MS = 5000;

export interface TraitsCheck {
  violations: TraitsViolation[];
  /** Lower-cased values of every trait the schema marks as a password identifier. */
  identifiers: string[];
}

/** A loaded traits schema: its raw text as served, the parsed document and its compiled validator. */
export interface LoadedTraitsSchema {
  id: string;
  url: string;
  raw: string;
  document: AnySchemaObject;
  validate: ValidateFunction;
}

interface ExtensionSettings {
  credentials?: { password?: { identifier?: boolean } };
}

/**
 * Loads, compiles and caches the configured identity traits schemas. Each schema is read
 * and compiled once per process; validation then collects password identifiers through
 * the `ory.sh/kratos` extension.
 */
export class TraitsSchemaRegistry {
  private readonly loaded = new Map<string, Promise<LoadedTraitsSchema>>();
  private collecting: string[] | undefined;

  constructor(private readonly config: GatehouseConfig) {}

  /** Whether a schema id is configured. */
  has(id: string): boolean {
    return this.config.traitsSchemas.some((entry) => entry.id === id);
  }

  /**
   * Returns the compiled schema with this id.
   *
   * @throws HttpError 400 for an unknown id, 500 when the schema cannot be read or compiled.
   */
  get(id: string): Promise<LoadedTraitsSchema> {
    const entry = this.config.traitsSchemas.find((candidate) => candidate.id === id);
    if (!entry) {
      return Promise.reject(
        new HttpError(400, {
          reason: `The JSON Schema "${id}" for this identity's traits could not be found.`,
        }),
      );
    }
    let pending = this.loaded.get(id);
    if (!pending) {
      pending = this.load(entry.id, entry.url);
      this.loaded.set(id, pending);
      // A failed load is retried on the next request, for example once a remote schema is reachable.
      pending.catch(() => this.loaded.delete(id));
    }

    return pending;
  }

  /** Loads every configured file schema, so that a broken schema stops the process at start. */
  async preload(): Promise<void> {
    for (const entry of this.config.traitsSchemas) {
      if (entry.url.startsWith('file:')) {
        await this.get(entry.id);
      }
    }
  }

  /** Validates traits against a schema and collects the password identifiers they contain. */
  async check(schemaId: string, traits: unknown): Promise<TraitsCheck> {
    const schema = await this.get(schemaId);
    this.collecting = [];
    try {
      const valid = schema.validate(traits);
      const identifiers = [...new Set(this.collecting)];

      return {
        violations: valid ? [] : describeViolations(schema.validate.errors ?? []),
        identifiers,
      };
    } finally {
      this.collecting = undefined;
    }
  }

  private async load(id: string, url: string): Promise<LoadedTraitsSchema> {
    const raw = await readSchemaText(url);
    let document: AnySchemaObject;
    try {
      document = JSON.parse(raw) as AnySchemaObject;
    } catch (error) {
      throw internalError(`Unable to parse JSON schema: ${(error as Error).message}`);
    }
    try {
      return { id, url, raw, document, validate: this.compile(document) };
    } catch (error) {
      throw internalError(`Unable to parse JSON schema: ${(error as Error).message}`);
    }
  }

  private compile(document: AnySchemaObject): ValidateFunction {
    // One ajv instance per schema, because schemas from different files may share an $id.
    const ajv = new Ajv({ allErrors: true, strict: false, verbose: true, validateSchema: true });
    addFormats.default(ajv);
    const collectIdentifier: SchemaValidateFunction = (
      settings: ExtensionSettings,
      data: unknown,
    ) => {
      collectIdentifier.errors = [];
      if (settings.credentials?.password?.identifier !== true) {
        return true;
      }
      if (typeof data !== 'string') {
        collectIdentifier.errors = [
          {
            keyword: EXTENSION_KEYWORD,
            message: `Internal Error identifier traits must be strings, given: ${jsonType(data)}`,
            params: {},
          },
        ];

        return false;
      }
      this.collecting?.push(data.toLowerCase());

      return true;
    };
    ajv.addKeyword({
      keyword: EXTENSION_KEYWORD,
      schemaType: 'object',
      errors: true,
      validate: collectIdentifier,
    });

    return ajv.compile(renameExtension(document) as AnySchemaObject);
  }
}

async function readSchemaText(url: string): Promise<string> {
  const failure = (cause: string) =>
    internalError(
      'The file for this JSON Schema ID could not be found or opened. This is a configuration issue.',
      {
        debug: cause,
      },
    );
  if (url.startsWith('file:')) {
    try {
      return await readFile(fileURLToPath(url), 'utf8');
    } catch (error) {
      throw failure((error as NodeJS.ErrnoException).code ?? 'unreadable file');
    }
  }

  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(REMOTE_SCHEMA_TIMEOUT_MS) });
    if (!response.ok) {
      throw new Error(`HTTP status ${response.status}`);
    }

    return await response.text();
  } catch (error) {
    throw failure((error as Error).message);
  }
}

/** Copies a schema with every `ory.sh/kratos` key renamed to the keyword ajv knows. */
function renameExtension(node: unknown): unknown {
  if (Array.isArray(node)) {
    return node.map(renameExtension);
  }
  if (typeof node !== 'object' || node === null) {
    return node;
  }

  return Object.fromEntries(
    Object.entries(node).map(([key, value]) => [
      key === EXTENSION_KEY ? EXTENSION_KEYWORD : key,
      renameExtension(value),
    ]),
  );
}
