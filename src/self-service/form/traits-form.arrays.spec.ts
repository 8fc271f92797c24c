import { listSchemaLeaves } from '../../identity/traits-schema.leaves.js';
import { decodeTraits } from './traits-form.js';

const LEAVES = listSchemaLeaves({
  type: 'object',
  properties: {
    email: { type: 'string' },
    tags: { type: 'array', items: { type: 'string' } },
    scores: { type: 'array', items: { type: 'number' } },
    addresses: {
      type: 'array',
      items: {
        type: 'object',
        properties: { city: { type: 'string' }, floor: { type: 'integer' } },
      },
    },
  },
});

describe('decodeTraits with array items', () => {
  it('orders indexed items by index, then adds values of the plain name', () => {
    const traits = decodeTraits(
      { 'traits.tags.10': 'c', 'traits.tags.2': 'b', 'traits.tags.0': 'a', 'traits.tags': 'd' },
      LEAVES,
    );

    expect(traits).toEqual({ tags: ['a', 'b', 'c', 'd'] });
  });

  it('drops emptied items', () => {
    const traits = decodeTraits({ 'traits.tags.0': '', 'traits.tags.1': 'kept' }, LEAVES);

    expect(traits).toEqual({ tags: ['kept'] });
  });

  it('converts items to the item type', () => {
    const traits = decodeTraits({ 'traits.scores.0': '1.5', 'traits.scores.1': '2' }, LEAVES);

    expect(traits).toEqual({ scores: [1.5, 2] });
  });

  it('builds object items from described properties', () => {
    const traits = decodeTraits(
      {
        'traits.addresses.1.city': 'Paris',
        'traits.addresses.0.city': 'London',
        'traits.addresses.0.floor': '3',
      },
      LEAVES,
    );

    expect(traits).toEqual({ addresses: [{ city: 'London', floor: 3 }, { city: 'Paris' }] });
  });

  it.each([
    ['an undescribed property', 'traits.addresses.0.street'],
    ['a prototype key', 'traits.addresses.0.__proto__'],
    ['a nested prototype key', 'traits.addresses.0.__proto__.polluted'],
    ['a constructor key', 'traits.addresses.0.constructor'],
    ['a non-numeric index', 'traits.tags.first'],
    ['an index with a leading zero', 'traits.tags.01'],
  ])('ignores %s', (_case, name) => {
    const traits = decodeTraits({ [name]: 'x' }, LEAVES);

    expect(traits).toEqual({});
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('keeps plain-name arrays as before', () => {
    const traits = decodeTraits({ 'traits.tags': ['a', 'b'], 'traits.email': 'a@b.c' }, LEAVES);

    expect(traits).toEqual({ email: 'a@b.c', tags: ['a', 'b'] });
  });
});
