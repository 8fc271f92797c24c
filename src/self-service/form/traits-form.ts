import { leafType, type SchemaLeaf } from '../../identity/traits-schema.leaves.js';
import type { Traits } from '../../identity/identity.repository.js';
import type { FormField } from './form.js';

const FORMAT_INPUT_TYPES: Record<string, string> = {
  email: 'email',
  date: 'date',
  'date-time': 'datetime-local',
  uri: 'url',
};

/** Field name of a schema leaf, such as `traits.meal.name`. */
export function traitFieldName(leaf: SchemaLeaf): string {
  return ['traits', ...leaf.path].join('.');
}

/** One input per schema leaf, typed from the schema, with its pattern and required flag. */
export function fieldsFromSchema(leaves: SchemaLeaf[]): FormField[] {
  return leaves.map((leaf) => {
    const field: FormField = { name: traitFieldName(leaf), type: inputType(leaf) };
    if (typeof leaf.schema.pattern === 'string') {
      field.pattern = leaf.schema.pattern;
    }
    if (leaf.required) {
      field.required = true;
    }

    return field;
  });
}

function inputType(leaf: SchemaLeaf): string {
  if (leaf.path.length === 1 && leaf.path[0] === 'password') {
    return 'password';
  }
  if (leaf.path.length === 1 && leaf.path[0] === 'csrf_token') {
    return 'hidden';
  }
  const type = leafType(leaf);
  if (type === 'number' || type === 'integer') {
    return 'number';
  }
  if (type === 'boolean') {
    return 'checkbox';
  }

  return FORMAT_INPUT_TYPES[String(leaf.schema.format)] ?? 'text';
}

/** Field order of schema-built forms: CSRF, identifier, password, then traits in schema order. */
export function fieldOrder(leaves: SchemaLeaf[]): string[] {
  return ['csrf_token', 'identifier', 'password', ...leaves.map(traitFieldName)];
}

/**
 * Builds traits from a submitted body. Form bodies give strings, or lists for repeated names;
 * each value is converted to its schema leaf's type. Items of an array leaf may also come as
 * indexed fields (`traits.tags.0`, or `traits.addresses.0.city` for object items), which is how
 * forms show stored arrays; they come first, in index order, then any values of the leaf's own
 * name. A JSON body may also carry a `traits` object, whose values are taken as they are.
 * Fields that are not schema leaves are ignored, and empty strings count as not submitted.
 */
export function decodeTraits(body: Record<string, unknown>, leaves: SchemaLeaf[]): Traits {
  const traits: Traits = isPlainObject(body.traits) ? structuredClone(body.traits) : {};
  for (const leaf of leaves) {
    const name = traitFieldName(leaf);
    const raw = body[name];
    const items = leafType(leaf) === 'array' ? decodeIndexedItems(body, name, leaf) : [];
    if (raw === undefined && items.length === 0) {
      continue;
    }
    const converted = raw === undefined ? undefined : convert(raw, leaf);
    const value =
      items.length > 0 ? [...items, ...((converted as unknown[] | undefined) ?? [])] : converted;
    if (value !== undefined) {
      setPath(traits, leaf.path, value);
    }
  }
  // An object with a required leaf is required itself. Creating it when all its fields were left
  // blank makes validation name the missing leaf, which has a field, rather than the object.
  for (const leaf of leaves) {
    if (leaf.required && leaf.path.length > 1) {
      ensureObjects(traits, leaf.path.slice(0, -1));
    }
  }

  return traits;
}

function ensureObjects(target: Traits, path: string[]): void {
  let node: Record<string, unknown> = target;
  for (const key of path) {
    if (node[key] === undefined) {
      node[key] = {};
    }
    if (!isPlainObject(node[key])) {
      return;
    }
    node = node[key];
  }
}

const INDEX_PATTERN = /^(0|[1-9][0-9]{0,3})$/;

/**
 * Collects the items an array leaf got as `<name>.<index>` fields, or as
 * `<name>.<index>.<property path>` fields for object items, in index order. Property paths must
 * be described by the item schema; others are ignored.
 */
function decodeIndexedItems(
  body: Record<string, unknown>,
  name: string,
  leaf: SchemaLeaf,
): unknown[] {
  const itemSchema = isPlainObject(leaf.schema.items) ? leaf.schema.items : {};
  const items = new Map<number, unknown>();
  for (const [key, raw] of Object.entries(body)) {
    if (!key.startsWith(`${name}.`)) {
      continue;
    }
    const [index, ...path] = key.slice(name.length + 1).split('.');
    const schema = describedSubSchema(itemSchema, path);
    if (!INDEX_PATTERN.test(index) || !schema) {
      continue;
    }
    const position = Number(index);
    const value = convertValue(raw, schema);
    if (value === undefined) {
      continue;
    }
    if (path.length === 0) {
      items.set(position, value);
    } else {
      const item = items.get(position);
      const object = isPlainObject(item) ? item : {};
      setPath(object, path, value);
      items.set(position, object);
    }
  }

  return [...items.entries()].sort(([a], [b]) => a - b).map(([, item]) => item);
}

/** The schema of a property path inside an object schema, or undefined when it is not described. */
function describedSubSchema(
  schema: Record<string, unknown>,
  path: string[],
): Record<string, unknown> | undefined {
  let node = schema;
  for (const key of path) {
    const properties = isPlainObject(node.properties) ? node.properties : {};
    const child = Object.hasOwn(properties, key) ? properties[key] : undefined;
    if (!isPlainObject(child)) {
      return undefined;
    }
    node = child;
  }

  return node;
}

/** Converts one submitted scalar to the type its schema declares; empty means not submitted. */
function convertValue(raw: unknown, schema: Record<string, unknown>): unknown {
  const value: unknown = Array.isArray(raw) ? raw[raw.length - 1] : raw;
  if (value === '' || value === undefined) {
    return undefined;
  }
  const type = Array.isArray(schema.type)
    ? (schema.type as unknown[]).find((candidate) => candidate !== 'null')
    : schema.type;
  if (type === 'number' || type === 'integer') {
    return toNumber(value);
  }

  return type === 'boolean' ? toBoolean(value) : value;
}

function convert(raw: unknown, leaf: SchemaLeaf): unknown {
  const values = (Array.isArray(raw) ? raw : [raw]).filter((value) => value !== '');
  if (values.length === 0) {
    return undefined;
  }
  const type = leafType(leaf);
  switch (type) {
    case 'number':
    case 'integer':
      return toNumber(values[0]);
    case 'boolean':
      // A hidden "false" followed by a checked checkbox's "true" means true: the last value wins.
      return toBoolean(values[values.length - 1]);
    case 'array': {
      const itemType = (leaf.schema.items as { type?: string } | undefined)?.type;
      if (itemType === 'number' || itemType === 'integer') {
        return values.map(toNumber);
      }
      if (itemType === 'boolean') {
        return values.map(toBoolean);
      }

      return values;
    }
    default:
      return values[0];
  }
}

function toNumber(value: unknown): unknown {
  if (typeof value !== 'string') {
    return value;
  }
  const number = Number(value.trim());

  return value.trim() !== '' && Number.isFinite(number) ? number : value;
}

function toBoolean(value: unknown): unknown {
  if (typeof value !== 'string') {
    return value;
  }
  if (['1', 't', 'T', 'TRUE', 'true', 'True', 'on'].includes(value)) {
    return true;
  }
  if (['0', 'f', 'F', 'FALSE', 'false', 'False', 'off'].includes(value)) {
    return false;
  }

  return value;
}

/**
 * Sets the value of every `traits.<path>` field of a form from the traits. An array leaf gets
 * the whole list as its value; paths without a field are skipped, because an input added for
 * them would submit nothing.
 */
export function setTraitValues(form: { fields: FormField[] }, traits: Traits): void {
  for (const field of form.fields) {
    if (!field.name.startsWith('traits.')) {
      continue;
    }
    const value = readPath(traits, field.name.split('.').slice(1));
    if (value !== undefined) {
      field.value = value;
    }
  }
}

function readPath(target: unknown, path: string[]): unknown {
  let node = target;
  for (const key of path) {
    if (!isPlainObject(node) || !Object.hasOwn(node, key)) {
      return undefined;
    }
    node = node[key];
  }

  return node;
}

function setPath(target: Traits, path: string[], value: unknown): void {
  let node: Record<string, unknown> = target;
  for (const key of path.slice(0, -1)) {
    if (!isPlainObject(node[key])) {
      node[key] = {};
    }
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]] = value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
