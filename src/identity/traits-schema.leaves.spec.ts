import { leafType, listSchemaLeaves } from './traits-schema.leaves.js';

const summary = (schema: Record<string, unknown>) =>
  listSchemaLeaves(schema).map((leaf) => [leaf.path.join('.'), leaf.required]);

describe('listSchemaLeaves', () => {
  it('lists properties in document order with required flags', () => {
    expect(
      summary({
        type: 'object',
        properties: { email: { type: 'string' }, age: { type: 'integer' } },
        required: ['email'],
      }),
    ).toEqual([
      ['email', true],
      ['age', false],
    ]);
  });

  it('descends into nested objects', () => {
    expect(
      summary({
        type: 'object',
        properties: {
          name: {
            type: 'object',
            properties: { first: { type: 'string' }, last: { type: 'string' } },
            required: ['first'],
          },
          address: {
            type: 'object',
            properties: { city: { type: 'string' } },
            required: ['city'],
          },
        },
        required: ['name'],
      }),
    ).toEqual([
      ['name.first', true],
      ['name.last', false],
      ['address.city', false],
    ]);
  });

  it('treats arrays and property-less objects as leaves', () => {
    expect(
      summary({
        properties: {
          tags: { type: 'array', items: { type: 'string' } },
          extra: { type: 'object' },
        },
      }),
    ).toEqual([
      ['tags', false],
      ['extra', false],
    ]);
  });

  it('follows local references', () => {
    expect(
      summary({
        definitions: {
          name: { type: 'object', properties: { given: { type: 'string' } }, required: ['given'] },
        },
        properties: { name: { $ref: '#/definitions/name' } },
        required: ['name'],
      }),
    ).toEqual([['name.given', true]]);
  });

  it('keeps allOf requirements and relaxes anyOf and oneOf', () => {
    expect(
      summary({
        allOf: [{ properties: { a: { type: 'string' } }, required: ['a'] }],
        anyOf: [{ properties: { b: { type: 'string' } }, required: ['b'] }],
        oneOf: [{ properties: { c: { type: 'string' } }, required: ['c'] }],
      }),
    ).toEqual([
      ['a', true],
      ['b', false],
      ['c', false],
    ]);
  });

  it('merges a leaf seen in several branches', () => {
    const leaves = listSchemaLeaves({
      properties: { code: { type: 'string' } },
      if: { properties: { code: { pattern: '^[0-9]+$' } } },
    });

    expect(leaves).toHaveLength(1);
    expect(leaves[0].schema).toEqual({ type: 'string', pattern: '^[0-9]+$' });
  });

  it('stops at self-referencing schemas', () => {
    const leaves = listSchemaLeaves({
      definitions: {
        node: { type: 'object', properties: { child: { $ref: '#/definitions/node' } } },
      },
      properties: { root: { $ref: '#/definitions/node' } },
    });

    expect(leaves.every((leaf) => leaf.path.length <= 17)).toBe(true);
  });

  it('lists nothing for an empty schema', () => {
    expect(listSchemaLeaves({})).toEqual([]);
  });
});

describe('leafType', () => {
  it('takes the first non-null type', () => {
    expect(leafType({ path: ['a'], schema: { type: ['null', 'integer'] }, required: false })).toBe(
      'integer',
    );
    expect(leafType({ path: ['a'], schema: { type: 'string' }, required: false })).toBe('string');
    expect(leafType({ path: ['a'], schema: {}, required: false })).toBeUndefined();
  });
});
