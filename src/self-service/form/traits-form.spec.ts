import { listSchemaLeaves } from '../../identity/traits-schema.leaves.js';
import {
  decodeTraits,
  fieldOrder,
  fieldsFromSchema,
  setTraitValues,
  traitFieldName,
} from './traits-form.js';

const leaves = listSchemaLeaves({
  type: 'object',
  properties: {
    email: { type: 'string', format: 'email' },
    username: { type: 'string', pattern: '^[a-z]+$' },
    name: {
      type: 'object',
      properties: { first: { type: 'string' }, last: { type: 'string' } },
      required: ['first'],
    },
    age: { type: 'integer' },
    height: { type: 'number' },
    newsletter: { type: 'boolean' },
    website: { type: 'string', format: 'uri' },
    birthday: { type: 'string', format: 'date' },
    meeting: { type: 'string', format: 'date-time' },
    tags: { type: 'array', items: { type: 'string' } },
    scores: { type: 'array', items: { type: 'number' } },
    flags: { type: 'array', items: { type: 'boolean' } },
    password: { type: 'string' },
    csrf_token: { type: 'string' },
  },
  required: ['email', 'name'],
});

describe('fieldsFromSchema', () => {
  it('types each leaf as an input', () => {
    expect(fieldsFromSchema(leaves).map((field) => [field.name, field.type])).toEqual([
      ['traits.email', 'email'],
      ['traits.username', 'text'],
      ['traits.name.first', 'text'],
      ['traits.name.last', 'text'],
      ['traits.age', 'number'],
      ['traits.height', 'number'],
      ['traits.newsletter', 'checkbox'],
      ['traits.website', 'url'],
      ['traits.birthday', 'date'],
      ['traits.meeting', 'datetime-local'],
      ['traits.tags', 'text'],
      ['traits.scores', 'text'],
      ['traits.flags', 'text'],
      ['traits.password', 'password'],
      ['traits.csrf_token', 'hidden'],
    ]);
  });

  it('copies patterns and required flags', () => {
    const fields = fieldsFromSchema(leaves);
    const field = (name: string) => fields.find((candidate) => candidate.name === name);

    expect(field('traits.username')).toEqual({
      name: 'traits.username',
      type: 'text',
      pattern: '^[a-z]+$',
    });
    expect(field('traits.email')?.required).toBe(true);
    expect(field('traits.name.first')?.required).toBe(true);
    expect(field('traits.name.last')?.required).toBeUndefined();
  });

  it('orders CSRF, identifier, password, then traits', () => {
    expect(fieldOrder(leaves).slice(0, 5)).toEqual([
      'csrf_token',
      'identifier',
      'password',
      'traits.email',
      'traits.username',
    ]);
    expect(traitFieldName(leaves[2])).toBe('traits.name.first');
  });
});

describe('decodeTraits', () => {
  it('converts form strings to the leaf types', () => {
    expect(
      decodeTraits(
        {
          'traits.email': 'a@example.com',
          'traits.name.first': 'Ada',
          'traits.age': '36',
          'traits.height': ' 1.65 ',
          'traits.newsletter': ['false', 'true'],
          'traits.tags': ['x', 'y'],
          'traits.scores': ['1', '2.5'],
          'traits.flags': ['true', 'f'],
        },
        leaves,
      ),
    ).toEqual({
      email: 'a@example.com',
      name: { first: 'Ada' },
      age: 36,
      height: 1.65,
      newsletter: true,
      tags: ['x', 'y'],
      scores: [1, 2.5],
      flags: [true, false],
    });
  });

  it('takes the first repeated text value', () => {
    expect(decodeTraits({ 'traits.email': ['a@x.com', 'b@x.com'] }, leaves).email).toBe('a@x.com');
  });

  it.each([
    ['1', true],
    ['t', true],
    ['TRUE', true],
    ['on', true],
    ['0', false],
    ['F', false],
    ['False', false],
    ['off', false],
    ['maybe', 'maybe'],
  ])('reads the checkbox value %j', (raw, expected) => {
    expect(decodeTraits({ 'traits.newsletter': raw }, leaves).newsletter).toBe(expected);
  });

  it('keeps unconvertible values for validation', () => {
    const traits = decodeTraits({ 'traits.age': 'thirty', 'traits.height': 'Infinity' }, leaves);

    expect(traits.age).toBe('thirty');
    expect(traits.height).toBe('Infinity');
  });

  it('skips empty strings and unknown names', () => {
    expect(
      decodeTraits(
        {
          'traits.email': '',
          'traits.age': '',
          'traits.unknown': 'x',
          'traits.name': 'not a leaf',
          'traits.__proto__.polluted': 'yes',
          email: 'no prefix',
        },
        leaves,
      ),
    ).toEqual({ name: {} });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('creates an object whose required leaf is missing', () => {
    expect(decodeTraits({}, leaves)).toEqual({ name: {} });
  });

  it('leaves an optional group out', () => {
    const optional = listSchemaLeaves({
      properties: {
        address: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      },
    });

    expect(decodeTraits({}, optional)).toEqual({});
  });

  it('keeps JSON traits and typed values', () => {
    expect(
      decodeTraits(
        {
          traits: { email: 'json@example.com', name: { first: 'Ada' }, extra: true },
          'traits.age': 36,
          'traits.newsletter': false,
        },
        leaves,
      ),
    ).toEqual({
      email: 'json@example.com',
      name: { first: 'Ada' },
      extra: true,
      age: 36,
      newsletter: false,
    });
  });

  it('leaves the JSON traits object unchanged', () => {
    const body = { traits: { name: { first: 'Ada' } }, 'traits.name.last': 'Lovelace' };
    decodeTraits(body, leaves);

    expect(body.traits).toEqual({ name: { first: 'Ada' } });
  });

  it('leaves a mistyped JSON group to validation', () => {
    expect(decodeTraits({ traits: { name: 'Ada' } }, leaves)).toEqual({ name: 'Ada' });
  });
});

describe('setTraitValues', () => {
  it('fills existing fields only', () => {
    const form = {
      fields: [
        { name: 'csrf_token', type: 'hidden', value: 'token' },
        { name: 'traits.name.first', type: 'text' },
        { name: 'traits.age', type: 'number' },
        { name: 'traits.tags', type: 'text' },
        { name: 'traits.email', type: 'email' },
      ],
    };
    setTraitValues(form, { name: { first: 'Ada' }, age: 36, tags: ['a', 'b'], extra: 'x' });

    expect(form.fields).toEqual([
      { name: 'csrf_token', type: 'hidden', value: 'token' },
      { name: 'traits.name.first', type: 'text', value: 'Ada' },
      { name: 'traits.age', type: 'number', value: 36 },
      { name: 'traits.tags', type: 'text', value: ['a', 'b'] },
      { name: 'traits.email', type: 'email' },
    ]);
  });

  it('ignores inherited properties', () => {
    const form = { fields: [{ name: 'traits.constructor', type: 'text' }] };
    setTraitValues(form, {});

    expect(form.fields[0]).toEqual({ name: 'traits.constructor', type: 'text' });
  });
});
