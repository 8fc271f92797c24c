import { readFileSync } from 'node:fs';
import path from 'node:path';

import { Ajv, type ErrorObject, type SchemaObject } from 'ajv';
import addFormats from 'ajv-formats';
import proxyaddr from 'proxy-addr';
import { parse as parseYaml } from 'yaml';

import type { RawConfig } from './config.types.js';

/** Raised when the configuration cannot be read or is invalid; its message names the key and the fix. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export interface ConfigSource {
  /** Path of the YAML or JSON configuration file, if any. */
  file?: string;
  /** Environment variables that override file values. */
  env: NodeJS.ProcessEnv;
}

interface LeafKey {
  path: string[];
  schema: SchemaObject;
}

const SCHEMA_PATH = new URL('./config.schema.json', import.meta.url);

let cachedSchema: SchemaObject | undefined;

export function loadConfigSchema(): SchemaObject {
  cachedSchema ??= JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as SchemaObject;

  return cachedSchema;
}

/**
 * Reads the configuration file, applies environment variable overrides and validates the
 * result against config.schema.json, filling in its defaults.
 *
 * @throws ConfigError naming the offending key, its value and the expected form.
 */
export function loadRawConfig(source: ConfigSource): RawConfig {
  const schema = loadConfigSchema();
  const document = source.file ? readConfigFile(source.file) : {};
  const origins = new Map<string, string>();
  applyEnvironment(document, schema, source.env, origins);

  // verbose keeps each error's schema, whose description names the expected form.
  const ajv = new Ajv({ useDefaults: true, allErrors: false, strict: true, verbose: true });
  addFormats.default(ajv);
  ajv.addKeyword({ keyword: 'x-secret', schemaType: 'boolean' });
  const validate = ajv.compile(schema);
  if (!validate(document)) {
    const error: ErrorObject | undefined = validate.errors?.[0];
    throw new ConfigError(describeError(error, document, schema, origins, source.file));
  }
  const config = document as unknown as RawConfig;
  assertTrustedProxies(config.serve.public.trusted_proxies, origins, source.file);

  return config;
}

/**
 * Checks each trusted proxy with the parser Express uses for it, which the JSON Schema cannot
 * express, so that a bad entry stops the start like any other invalid key.
 */
function assertTrustedProxies(
  proxies: string[],
  origins: Map<string, string>,
  file: string | undefined,
): void {
  proxies.forEach((entry, index) => {
    try {
      proxyaddr.compile(entry);
    } catch {
      const segments = ['serve', 'public', 'trusted_proxies', String(index)];
      const origin = originOf(origins, segments);
      throw new ConfigError(
        `Invalid configuration${origin ? ` (from environment variable ${origin})` : where(file)}: ${segments.join('.')} is ${JSON.stringify(entry)} but must be an IP address, a CIDR range such as 10.0.0.0/8, or one of loopback, linklocal and uniquelocal.`,
      );
    }
  });
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `Unable to read the configuration file ${file}: ${describeFileError(error)}.`,
    );
  }

  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (error) {
    const reason = (error as Error).message.split('\n')[0].replace(/:$/, '');
    throw new ConfigError(`The configuration file ${file} is not valid YAML or JSON: ${reason}.`);
  }
  if (parsed === null || parsed === undefined) {
    return {};
  }
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(
      `The configuration file ${file} must contain a mapping of keys, not ${typeName(parsed)}.`,
    );
  }

  return parsed as Record<string, unknown>;
}

/** Environment variable name of a configuration key: `serve.public.port` is SERVE_PUBLIC_PORT. */
export function environmentName(keyPath: string[]): string {
  return keyPath.join('_').toUpperCase();
}

function applyEnvironment(
  document: Record<string, unknown>,
  schema: SchemaObject,
  env: NodeJS.ProcessEnv,
  origins: Map<string, string>,
): void {
  for (const leaf of listLeafKeys(schema, schema, [])) {
    const name = environmentName(leaf.path);
    const raw = env[name];
    if (raw === undefined || raw === '') {
      continue;
    }
    setPath(document, leaf.path, coerceEnvironmentValue(raw, leaf.schema));
    origins.set(leaf.path.join('.'), name);
  }
}

function listLeafKeys(root: SchemaObject, schema: SchemaObject, prefix: string[]): LeafKey[] {
  const resolved = resolveRef(root, schema);
  if (resolved.type !== 'object' || !resolved.properties) {
    return [{ path: prefix, schema: resolved }];
  }

  return Object.entries(resolved.properties as Record<string, SchemaObject>).flatMap(
    ([key, child]) => listLeafKeys(root, child, [...prefix, key]),
  );
}

function resolveRef(root: SchemaObject, schema: SchemaObject): SchemaObject {
  if (typeof schema.$ref !== 'string') {
    return schema;
  }
  const name = schema.$ref.replace('#/definitions/', '');

  return {
    ...(root.definitions as Record<string, SchemaObject>)[name],
    ...schema,
    $ref: undefined,
  };
}

/** Converts an environment string to the key's JSON type; values that do not convert stay strings so validation reports them. */
function coerceEnvironmentValue(raw: string, schema: SchemaObject): unknown {
  switch (schema.type) {
    case 'integer':
    case 'number':
      return /^-?\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw) : raw;
    case 'boolean':
      return raw === 'true' ? true : raw === 'false' ? false : raw;
    case 'array':
      if (raw.trim().startsWith('[')) {
        return parseJsonOrKeep(raw);
      }

      return raw
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '');
    case 'object':
      return parseJsonOrKeep(raw);
    default:
      return raw;
  }
}

function parseJsonOrKeep(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    // Validation then reports the value as having the wrong type.
    return raw;
  }
}

function setPath(document: Record<string, unknown>, keyPath: string[], value: unknown): void {
  let node = document;
  for (const key of keyPath.slice(0, -1)) {
    const child = node[key];
    if (typeof child !== 'object' || child === null || Array.isArray(child)) {
      node[key] = {};
    }
    node = node[key] as Record<string, unknown>;
  }
  node[keyPath[keyPath.length - 1]] = value;
}

function describeError(
  error: ErrorObject | undefined,
  document: unknown,
  schema: SchemaObject,
  origins: Map<string, string>,
  file: string | undefined,
): string {
  if (!error) {
    return 'The configuration is invalid.';
  }
  const segments = error.instancePath
    .split('/')
    .slice(1)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (error.keyword === 'additionalProperties') {
    const unknownKey = [...segments, String(error.params.additionalProperty)].join('.');

    return `Invalid configuration${where(file)}: ${unknownKey} is not a known key. Check its spelling against the configuration reference in the README.`;
  }
  if (error.keyword === 'required') {
    const missingKey = [...segments, String(error.params.missingProperty)].join('.');

    return `Invalid configuration${where(file)}: ${missingKey} is missing.`;
  }

  const key = segments.join('.') || '(root)';
  const origin = originOf(origins, segments);
  const value = isSecretPath(schema, segments)
    ? '(value hidden)'
    : JSON.stringify(readPath(document, segments));

  return `Invalid configuration${origin ? ` (from environment variable ${origin})` : where(file)}: ${key} is ${value} but ${expectedForm(error)}.`;
}

/** The environment variable that set a key or one of its parents, such as a whole hook list. */
function originOf(origins: Map<string, string>, segments: string[]): string | undefined {
  for (let length = segments.length; length > 0; length -= 1) {
    const origin = origins.get(segments.slice(0, length).join('.'));
    if (origin) {
      return origin;
    }
  }

  return undefined;
}

/** Describes why a file could not be read, in words rather than an errno code. */
export function describeFileError(error: unknown): string {
  switch ((error as NodeJS.ErrnoException).code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory';
    default:
      return (error as Error).message;
  }
}

function where(file: string | undefined): string {
  return file ? ` in ${path.relative(process.cwd(), file) || file}` : '';
}

function expectedForm(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'type':
      return `must be of type ${String(params.type)}`;
    case 'enum':
      return `must be one of ${(params.allowedValues as unknown[]).map((value) => JSON.stringify(value)).join(', ')}`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `must be ${String(params.comparison)} ${String(params.limit)}`;
    case 'minLength':
      return `must be at least ${String(params.limit)} characters long`;
    case 'format':
      return `must be a valid ${String(params.format)}`;
    case 'pattern': {
      const description: unknown = (error.parentSchema as SchemaObject | undefined)?.description;

      return typeof description === 'string'
        ? `must be ${lowerFirst(description)}`
        : `must match the pattern ${String(params.pattern)}`;
    }
    case 'not': {
      const forbidden: unknown = (error.schema as SchemaObject | undefined)?.const;

      return forbidden === undefined
        ? 'uses a reserved value'
        : `must not be ${JSON.stringify(forbidden)}, which is reserved for identity.traits.default_schema_url`;
    }
    default:
      return error.message ?? 'is invalid';
  }
}

function lowerFirst(text: string): string {
  const sentence = text.replace(/\.$/, '').split('. ')[0];

  return sentence.charAt(0).toLowerCase() + sentence.slice(1);
}

function isSecretPath(schema: SchemaObject, segments: string[]): boolean {
  let node: SchemaObject | undefined = schema;
  for (const segment of segments) {
    if (!node) {
      return false;
    }
    node = resolveRef(schema, node);
    if (node['x-secret'] === true) {
      return true;
    }
    node = /^\d+$/.test(segment)
      ? (node.items as SchemaObject | undefined)
      : (node.properties as Record<string, SchemaObject> | undefined)?.[segment];
  }

  return node !== undefined && resolveRef(schema, node)['x-secret'] === true;
}

function readPath(document: unknown, segments: string[]): unknown {
  let node = document;
  for (const segment of segments) {
    if (typeof node !== 'object' || node === null) {
      return undefined;
    }
    node = (node as Record<string, unknown>)[segment];
  }

  return node;
}

function typeName(value: unknown): string {
  return Array.isArray(value) ? 'a list' : `a ${typeof value}`;
}
