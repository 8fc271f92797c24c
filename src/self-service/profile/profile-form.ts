import type { Traits } from '../../identity/identity.repository.js';
import { leafType, type SchemaLeaf } from '../../identity/traits-schema.leaves.js';
import type { FormField } from '../form/form.js';
import { fieldsFromSchema, traitFieldName } from '../form/traits-form.js';

const SCALAR_TYPES = new Set(['string', 'number', 'integer', 'boolean']);

/**
 * Returns true when a form can edit a schema leaf. Objects without described properties, and
 * arrays of arrays or of such objects, cannot be expressed as form fields.
 */
export function isFormEditable(leaf: SchemaLeaf): boolean {
  const type = leafType(leaf);
  if (type === 'object') {
    return false;
  }
  if (type !== 'array') {
    return true;
  }
  const items: unknown = leaf.schema.items;
  if (!isPlainObject(items)) {
    return items === undefined;
  }
  const itemType: unknown = Array.isArray(items.type)
    ? (items.type as unknown[]).find((candidate) => candidate !== 'null')
    : items.type;

  return (
    itemType === undefined ||
    (typeof itemType === 'string' && SCALAR_TYPES.has(itemType)) ||
    (itemType === 'object' && isPlainObject(items.properties))
  );
}

/**
 * Builds the trait fields of a profile form: one per editable schema leaf, typed from the schema and
 * filled with the value in `traits`. An array leaf gets one field per item (`traits.tags.0`,
 * or `traits.addresses.0.city` for object items) and, for scalar items, an empty field under its
 * own name for adding an item.
 */
export function profileFields(leaves: SchemaLeaf[], traits: Traits): FormField[] {
  const fields: FormField[] = [];
  for (const leaf of leaves.filter(isFormEditable)) {
    const [template] = fieldsFromSchema([leaf]);
    const value = valueAt(traits, leaf.path);
    if (leafType(leaf) !== 'array') {
      fields.push(value === undefined || value === null ? template : { ...template, value });
      continue;
    }
    fields.push(...itemFields(leaf, Array.isArray(value) ? value : []));
    const items = leaf.schema.items as { type?: unknown } | undefined;
    if (items?.type !== 'object') {
      fields.push({ name: template.name, type: itemInputType(leaf) });
    }
  }

  return fields;
}

function itemFields(leaf: SchemaLeaf, items: unknown[]): FormField[] {
  const name = traitFieldName(leaf);
  const itemSchema = isPlainObject(leaf.schema.items) ? leaf.schema.items : {};

  return items.flatMap((item, index) => {
    const itemName = `${name}.${index}`;
    if (isPlainObject(itemSchema.properties)) {
      return isPlainObject(item) ? describedFields(itemSchema, item, itemName) : [];
    }
    // NOTE: items that are objects or arrays without a described item schema get no fields. A form
    // submission therefore drops them, and only JSON submissions can keep them.
    if (isPlainObject(item) || Array.isArray(item)) {
      return [];
    }

    return [{ name: itemName, type: itemInputType(leaf), value: item }];
  });
}

/** Fields for the scalar values of an object, in the order its schema lists the properties. */
function describedFields(
  schema: Record<string, unknown>,
  value: Record<string, unknown>,
  name: string,
): FormField[] {
  const properties = isPlainObject(schema.properties) ? schema.properties : {};

  return Object.entries(properties).flatMap(([key, child]) => {
    const childValue = Object.hasOwn(value, key) ? value[key] : undefined;
    if (!isPlainObject(child) || childValue === undefined || childValue === null) {
      return [];
    }
    if (isPlainObject(childValue)) {
      return describedFields(child, childValue, `${name}.${key}`);
    }
    if (Array.isArray(childValue)) {
      return [];
    }
    const [field] = fieldsFromSchema([{ path: ['item', key], schema: child, required: false }]);

    return [{ name: `${name}.${key}`, type: field.type, value: childValue }];
  });
}

/** Input type of one item of an array leaf, from the leaf's `items` schema. */
function itemInputType(leaf: SchemaLeaf): string {
  const items = isPlainObject(leaf.schema.items) ? leaf.schema.items : {};
  const [field] = fieldsFromSchema([{ path: [...leaf.path, '0'], schema: items, required: false }]);

  return field.type;
}

/**
 * Builds the traits to store from a form submission. A form edits only the editable schema
 * leaves, so stored values that no field could show (traits the schema does not describe, and
 * leaves a form cannot edit) are kept instead of being removed.
 */
export function withUneditableTraits(
  stored: Traits,
  submitted: Traits,
  leaves: SchemaLeaf[],
): Traits {
  const kept = structuredClone(stored);
  for (const leaf of leaves.filter(isFormEditable)) {
    removePath(kept, leaf.path);
  }

  return mergeInto(kept, submitted);
}

function valueAt(traits: Traits, path: string[]): unknown {
  let node: unknown = traits;
  for (const key of path) {
    if (!isPlainObject(node) || !Object.hasOwn(node, key)) {
      return undefined;
    }
    node = node[key];
  }

  return node;
}

/** Deletes the value at a path, then every object on the path that this left empty. */
function removePath(node: Record<string, unknown>, path: string[]): void {
  const [key, ...rest] = path;
  if (!Object.hasOwn(node, key)) {
    return;
  }
  if (rest.length === 0) {
    delete node[key];

    return;
  }
  const child = node[key];
  if (isPlainObject(child)) {
    removePath(child, rest);
    if (Object.keys(child).length === 0) {
      delete node[key];
    }
  }
}

function mergeInto(target: Traits, source: Traits): Traits {
  for (const [key, value] of Object.entries(source)) {
    if (key === '__proto__') {
      continue;
    }
    const current = target[key];
    target[key] =
      isPlainObject(current) && isPlainObject(value) ? mergeInto(current, value) : value;
  }

  return target;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
