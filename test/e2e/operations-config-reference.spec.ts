import { readFileSync } from 'node:fs';

interface SchemaNode {
  $ref?: string;
  type?: string;
  properties?: Record<string, SchemaNode>;
}

const schema = JSON.parse(
  readFileSync(new URL('../../src/config/config.schema.json', import.meta.url), 'utf8'),
) as SchemaNode & { definitions: Record<string, SchemaNode> };
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** Lists every settable key of the configuration schema. An object without declared properties is one key. */
function schemaKeys(node: SchemaNode, path: string[] = []): string[] {
  const resolved = node.$ref ? schema.definitions[node.$ref.split('/').pop()!] : node;
  if (resolved.type === 'object' && resolved.properties) {
    return Object.entries(resolved.properties).flatMap(([key, child]) =>
      schemaKeys(child, [...path, key]),
    );
  }

  return [path.join('.')];
}

/** Lists the keys named in the first column of the README's configuration table. */
function documentedKeys(): string[] {
  const section = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('## PostgreSQL'));
  const rows = section.split('\n').filter((line) => line.startsWith('| `'));

  return rows.flatMap((row) =>
    [...row.split('|')[1].matchAll(/`([^`]+)`/g)].map((match) => match[1]),
  );
}

describe('README configuration reference', () => {
  it('documents every key of the configuration schema', () => {
    expect(documentedKeys().sort()).toEqual(schemaKeys(schema).sort());
  });
});
