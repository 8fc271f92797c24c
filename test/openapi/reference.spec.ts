import { readFileSync } from 'node:fs';

import {
  jsonSchemaOf,
  readCommittedDocument,
  schemaName,
  type OpenApiOperation,
  type SchemaNode,
} from './openapi-support.js';

interface ReferenceOperation {
  method: string;
  path: string;
  operationId: string;
  parameters: { name: string; in: string; required: boolean }[];
  body: { schema: string; required: boolean } | null;
  responses: Record<string, string | null>;
}

interface Reference {
  operations: ReferenceOperation[];
  definitions: Record<string, SchemaNode>;
}

// Facts from the swagger document of ORY Kratos v0.1.0-alpha.1; see the file's "source" key.
const reference = JSON.parse(
  readFileSync(new URL('./kratos-v0.1.0-alpha.1.reference.json', import.meta.url), 'utf8'),
) as Reference;

// Reference operations that Gatehouse does not serve yet: the profile management flow.
// Any other reference operation must be served, and every served one must match.
const NOT_YET_IMPLEMENTED = new Set([
  'initializeSelfServiceProfileManagementFlow',
  'completeSelfServiceBrowserProfileManagementFlow',
  'getSelfServiceBrowserProfileManagementRequest',
]);

const ours = readCommittedDocument();
const ourOperation = (entry: ReferenceOperation): OpenApiOperation | undefined =>
  ours.paths[entry.path]?.[entry.method];
const served = reference.operations.filter((entry) => ourOperation(entry));
const missing = reference.operations.filter((entry) => !ourOperation(entry));

/**
 * Names of the object schemas with properties that a schema refers to, looking through
 * arrays, maps, compositions and named schemas without properties (such as a named array).
 */
function structuredRefs(
  schema: SchemaNode | undefined,
  schemas: Record<string, SchemaNode>,
  seen = new Set<string>(),
): Set<string> {
  const found = new Set<string>();
  if (!schema) {
    return found;
  }
  if (schema.$ref) {
    const name = schema.$ref.split('/').pop()!;
    const target = schemas[name];
    if (target?.properties) {
      found.add(name);
    } else if (target && !seen.has(name)) {
      seen.add(name);
      structuredRefs(target, schemas, seen).forEach((item) => found.add(item));
    }

    return found;
  }
  const children = [
    schema.items,
    typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined,
    ...(schema.allOf ?? []),
    ...(schema.oneOf ?? []),
    ...(schema.anyOf ?? []),
  ];
  for (const child of children) {
    structuredRefs(child, schemas, seen).forEach((item) => found.add(item));
  }

  return found;
}

/** Reference definitions with properties that the served operations use, directly or nested. */
function reachableDefinitions(): string[] {
  const pending = served.flatMap((entry) => [
    ...Object.values(entry.responses),
    entry.body?.schema ?? null,
  ]);
  const names = new Set<string>();
  while (pending.length > 0) {
    const name = pending.pop()?.replace(/\[\]$/, '');
    if (!name || names.has(name) || !reference.definitions[name]) {
      continue;
    }
    names.add(name);
    const definition = reference.definitions[name];
    for (const property of Object.values(definition.properties ?? {})) {
      pending.push(...structuredRefs(property, reference.definitions));
    }
    pending.push(...structuredRefs({ ...definition, properties: undefined }, reference.definitions));
  }

  return [...names].filter((name) => reference.definitions[name].properties).sort();
}

describe('OpenAPI document against ORY Kratos v0.1.0-alpha.1', () => {
  it('serves every reference operation but the profile flow', () => {
    const unexpected = missing
      .filter((entry) => !NOT_YET_IMPLEMENTED.has(entry.operationId))
      .map((entry) => `${entry.method.toUpperCase()} ${entry.path} (${entry.operationId})`);

    expect(unexpected).toEqual([]);
    expect(served.length).toBeGreaterThanOrEqual(14);
  });

  describe.each(served.map((entry) => [entry.operationId, entry] as const))('%s', (_id, entry) => {
    const operation = ourOperation(entry)!;

    it('has the reference operationId on the same method and path', () => {
      expect(operation.operationId).toBe(entry.operationId);
    });

    it('has the reference parameters, and extra ones are optional', () => {
      const ourParameters = operation.parameters ?? [];
      for (const parameter of entry.parameters) {
        const match = ourParameters.find(
          (candidate) => candidate.name === parameter.name && candidate.in === parameter.in,
        );
        expect({ name: parameter.name, in: match?.in, required: match?.required ?? false }).toEqual(
          parameter,
        );
      }
      const extra = ourParameters.filter(
        (candidate) =>
          !entry.parameters.some(
            (parameter) => parameter.name === candidate.name && parameter.in === candidate.in,
          ),
      );
      for (const parameter of extra) {
        expect({ name: parameter.name, required: parameter.required ?? false }).toEqual({
          name: parameter.name,
          required: false,
        });
      }
    });

    it('takes the reference request body', () => {
      if (!entry.body) {
        expect(operation.requestBody).toBeUndefined();

        return;
      }
      expect(operation.requestBody?.required ?? false).toBe(entry.body.required);
      expect(schemaName(jsonSchemaOf(operation.requestBody))).toBe(entry.body.schema);
    });

    it('returns the reference schemas', () => {
      for (const [status, name] of Object.entries(entry.responses)) {
        const ours = operation.responses[status];
        if (/^[23]/.test(status)) {
          expect({ status, present: ours !== undefined }).toEqual({ status, present: true });
        }
        if (ours) {
          expect({ status, schema: schemaName(jsonSchemaOf(ours)) }).toEqual({ status, schema: name });
        }
      }
    });
  });

  describe.each(reachableDefinitions().map((name) => [name] as const))('schema %s', (name) => {
    const theirs = reference.definitions[name];
    const schema = ours.components.schemas[name];

    it('exists under the same name', () => {
      expect(schema).toBeDefined();
    });

    it('has every reference property and required key', () => {
      expect(Object.keys(schema?.properties ?? {})).toEqual(
        expect.arrayContaining(Object.keys(theirs.properties ?? {})),
      );
      expect(schema?.required ?? []).toEqual(expect.arrayContaining(theirs.required ?? []));
    });

    it('refers to the same named schemas in each property', () => {
      for (const [property, definition] of Object.entries(theirs.properties ?? {})) {
        const expected = [...structuredRefs(definition, reference.definitions)].sort();
        // Where the reference declares only "object", a named schema of ours is more precise.
        if (expected.length === 0) {
          continue;
        }
        const actual = [...structuredRefs(schema?.properties?.[property], ours.components.schemas)].sort();
        expect({ property, schemas: actual }).toEqual({ property, schemas: expected });
      }
    });
  });
});
