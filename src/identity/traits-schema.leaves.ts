import type { AnySchemaObject } from 'ajv';

/** A leaf of a traits schema: a value that one form field edits. */
export interface SchemaLeaf {
  /** Property names from the traits root, such as `['meal', 'name']`. */
  path: string[];
  schema: AnySchemaObject;
  /** Whether the property and every object above it are listed as required. */
  required: boolean;
}

const MAX_DEPTH = 16;

/**
 * Lists the leaves of a traits schema in the document order of its `properties`, descending
 * into nested objects and following local `$ref`s and `allOf`, `anyOf`, `oneOf`, `if`/`then`/`else`.
 * Arrays and objects without properties are leaves.
 */
export function listSchemaLeaves(root: AnySchemaObject): SchemaLeaf[] {
  const leaves = new Map<string, SchemaLeaf>();
  collect(root, root, [], true, leaves, 0);

  return [...leaves.values()];
}

function collect(
  root: AnySchemaObject,
  node: AnySchemaObject,
  path: string[],
  required: boolean,
  leaves: Map<string, SchemaLeaf>,
  depth: number,
): void {
  if (depth > MAX_DEPTH) {
    return;
  }
  const schema = resolveLocalRef(root, node);
  const properties = schema.properties as Record<string, AnySchemaObject> | undefined;
  // Every allOf branch applies, so its required properties stay required; the others may not apply.
  const mandatoryBranches = (schema.allOf as AnySchemaObject[] | undefined) ?? [];
  const optionalBranches = [
    ...((schema.anyOf as AnySchemaObject[] | undefined) ?? []),
    ...((schema.oneOf as AnySchemaObject[] | undefined) ?? []),
    ...[schema.if, schema.then, schema.else].filter((branch): branch is AnySchemaObject =>
      isObject(branch),
    ),
  ];

  if (!properties && mandatoryBranches.length === 0 && optionalBranches.length === 0) {
    if (path.length > 0) {
      addLeaf(leaves, { path, schema, required });
    }

    return;
  }

  const requiredNames = new Set((schema.required as string[] | undefined) ?? []);
  for (const [name, child] of Object.entries(properties ?? {})) {
    if (isObject(child)) {
      collect(root, child, [...path, name], required && requiredNames.has(name), leaves, depth + 1);
    }
  }
  for (const branch of mandatoryBranches) {
    collect(root, branch, path, required, leaves, depth + 1);
  }
  for (const branch of optionalBranches) {
    collect(root, branch, path, false, leaves, depth + 1);
  }
}

/** Records a leaf; a path seen again (from another branch) merges its schema keywords. */
function addLeaf(leaves: Map<string, SchemaLeaf>, leaf: SchemaLeaf): void {
  const key = leaf.path.join('.');
  const existing = leaves.get(key);
  if (!existing) {
    leaves.set(key, leaf);

    return;
  }
  leaves.set(key, {
    path: leaf.path,
    schema: { ...existing.schema, ...leaf.schema },
    required: existing.required || leaf.required,
  });
}

function resolveLocalRef(root: AnySchemaObject, node: AnySchemaObject, hops = 0): AnySchemaObject {
  if (typeof node.$ref !== 'string' || !node.$ref.startsWith('#') || hops > MAX_DEPTH) {
    return node;
  }
  let target: unknown = root;
  for (const segment of node.$ref.slice(1).split('/').filter(Boolean)) {
    target = isObject(target)
      ? (target as Record<string, unknown>)[
          decodeURIComponent(segment).replace(/~1/g, '/').replace(/~0/g, '~')
        ]
      : undefined;
  }
  if (!isObject(target)) {
    return node;
  }
  const { $ref: _ref, ...siblings } = node;

  return { ...resolveLocalRef(root, target, hops + 1), ...siblings };
}

function isObject(value: unknown): value is AnySchemaObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The JSON type of a leaf, taking the first listed type when several are allowed. */
export function leafType(leaf: SchemaLeaf): string | undefined {
  const type = leaf.schema.type as string | string[] | undefined;

  return Array.isArray(type) ? type.find((candidate) => candidate !== 'null') : type;
}
