import { Ajv, type AnySchemaObject, type SchemaObject } from 'ajv';
import addFormats from 'ajv-formats';

import { describeViolations, jsonType } from './traits-validation.js';

/** Validates like the traits schema registry does: every error, with the failing data. */
function violationsOf(schema: AnySchemaObject, traits: unknown) {
  const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
  addFormats.default(ajv);
  const validate = ajv.compile(schema as SchemaObject);
  validate(traits);

  return describeViolations(validate.errors ?? []);
}

describe('describeViolations', () => {
  it.each<[string, AnySchemaObject, unknown, string]>([
    ['required', { required: ['email'] }, {}, 'email is required'],
    [
      'type',
      { properties: { a: { type: 'string' } } },
      { a: 5 },
      'Invalid type. Expected: string, given: integer',
    ],
    [
      'number type',
      { properties: { a: { type: 'string' } } },
      { a: 1.5 },
      'Invalid type. Expected: string, given: number',
    ],
    [
      'minLength',
      { properties: { a: { minLength: 25 } } },
      { a: 'x' },
      'String length must be greater than or equal to 25',
    ],
    [
      'maxLength',
      { properties: { a: { maxLength: 2 } } },
      { a: 'xyz' },
      'String length must be less than or equal to 2',
    ],
    [
      'minimum',
      { properties: { a: { minimum: 3 } } },
      { a: 1 },
      'Must be greater than or equal to 3',
    ],
    [
      'exclusiveMinimum',
      { properties: { a: { exclusiveMinimum: 3 } } },
      { a: 3 },
      'Must be greater than 3',
    ],
    ['maximum', { properties: { a: { maximum: 3 } } }, { a: 4 }, 'Must be less than or equal to 3'],
    [
      'exclusiveMaximum',
      { properties: { a: { exclusiveMaximum: 3 } } },
      { a: 3 },
      'Must be less than 3',
    ],
    [
      'multipleOf',
      { properties: { a: { multipleOf: 0.5 } } },
      { a: 0.3 },
      'Must be a multiple of 0.5',
    ],
    [
      'pattern',
      { properties: { a: { pattern: '^a+$' } } },
      { a: 'b' },
      "Does not match pattern '^a+$'",
    ],
    [
      'format',
      { properties: { a: { format: 'email' } } },
      { a: 'nope' },
      "Does not match format 'email'",
    ],
    [
      'enum',
      { properties: { a: { enum: ['x', 1] } } },
      { a: 'y' },
      'a must be one of the following: "x", 1',
    ],
    ['const', { properties: { a: { const: 'x' } } }, { a: 'y' }, 'a does not match: "x"'],
    [
      'additionalProperties',
      { additionalProperties: false },
      { b: 1 },
      'Additional property b is not allowed',
    ],
    [
      'minItems',
      { properties: { a: { minItems: 2 } } },
      { a: [1] },
      'Array must have at least 2 items',
    ],
    [
      'maxItems',
      { properties: { a: { maxItems: 1 } } },
      { a: [1, 2] },
      'Array must have at most 1 items',
    ],
    [
      'minProperties',
      { properties: { a: { minProperties: 1 } } },
      { a: {} },
      'Must have at least 1 properties',
    ],
    [
      'maxProperties',
      { properties: { a: { maxProperties: 0 } } },
      { a: { b: 1 } },
      'Must have at most 0 properties',
    ],
    [
      'not',
      { properties: { a: { not: { type: 'string' } } } },
      { a: 's' },
      'Must not validate the schema (not)',
    ],
  ])('describes %s', (_keyword, schema, traits, message) => {
    expect(violationsOf(schema, traits).map((violation) => violation.message)).toContain(message);
  });

  it('names fields and pointers from the traits root', () => {
    const violations = violationsOf(
      {
        properties: {
          meal: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
          names: { type: 'array', items: { type: 'string' } },
          'a/b': { type: 'string' },
        },
      },
      { meal: {}, names: ['ok', 2], 'a/b': 1 },
    );

    expect(violations).toEqual([
      { field: 'traits.meal.name', pointer: '/traits/meal/name', message: 'name is required' },
      {
        field: 'traits.names.1',
        pointer: '/traits/names/1',
        message: 'Invalid type. Expected: string, given: integer',
      },
      {
        field: 'traits.a/b',
        pointer: '/traits/a~1b',
        message: 'Invalid type. Expected: string, given: integer',
      },
    ]);
  });

  it('names root errors after the traits object', () => {
    const [violation] = violationsOf({ type: 'object' }, 'text');

    expect(violation.field).toBe('traits');
    expect(violation.pointer).toBe('/traits');
  });

  it('drops duplicate messages for one field', () => {
    const violations = violationsOf(
      { properties: { a: { allOf: [{ minLength: 5 }, { minLength: 5 }] } } },
      { a: 'x' },
    );

    expect(violations.filter((violation) => violation.field === 'traits.a')).toHaveLength(1);
  });
});

describe('jsonType', () => {
  it.each([
    [null, 'null'],
    [[1], 'array'],
    [3, 'integer'],
    [3.5, 'number'],
    ['s', 'string'],
    [true, 'boolean'],
    [{}, 'object'],
  ])('names %j as %s', (value, type) => {
    expect(jsonType(value)).toBe(type);
  });
});
