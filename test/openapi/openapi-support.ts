import { readFileSync } from 'node:fs';

export const COMMITTED_DOCUMENT_URL = new URL('../../openapi/gatehouse.openapi.json', import.meta.url);

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

export interface OpenApiOperation {
  operationId?: string;
  parameters?: { name: string; in: string; required?: boolean; schema?: unknown }[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: SchemaNode }> };
  responses: Record<string, { content?: Record<string, { schema?: SchemaNode }> }>;
}

export interface SchemaNode {
  $ref?: string;
  type?: string;
  items?: SchemaNode;
  additionalProperties?: SchemaNode | boolean;
  allOf?: SchemaNode[];
  oneOf?: SchemaNode[];
  anyOf?: SchemaNode[];
  properties?: Record<string, SchemaNode>;
  required?: string[];
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { schemas: Record<string, SchemaNode> };
}

export function readCommittedDocument(): OpenApiDocument {
  return JSON.parse(readFileSync(COMMITTED_DOCUMENT_URL, 'utf8')) as OpenApiDocument;
}

/** Every operation of a document with its method and path. */
export function operationsOf(
  document: OpenApiDocument,
): { method: string; path: string; operation: OpenApiOperation }[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => HTTP_METHODS.includes(method))
      .map(([method, operation]) => ({ method, path, operation })),
  );
}

/** Names the JSON schema of a response or body: `Identity`, `Identity[]` or a type. */
export function schemaName(schema: SchemaNode | undefined): string | null {
  if (!schema) {
    return null;
  }
  if (schema.$ref) {
    return schema.$ref.split('/').pop()!;
  }
  if (schema.type === 'array' && schema.items) {
    return `${schemaName(schema.items)}[]`;
  }

  return schema.type ?? null;
}

export function jsonSchemaOf(
  entry: { content?: Record<string, { schema?: SchemaNode }> } | undefined,
): SchemaNode | undefined {
  return entry?.content?.['application/json']?.schema;
}
