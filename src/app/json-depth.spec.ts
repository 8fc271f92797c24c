import { assertJsonDepth, MAX_JSON_DEPTH } from './json-depth.js';

const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('assertJsonDepth', () => {
  it('accepts the maximum depth', () => {
    expect(() => assertJsonDepth(Buffer.from(nested(MAX_JSON_DEPTH)))).not.toThrow();
  });

  it('rejects one level more with status 400', () => {
    let thrown: unknown;
    try {
      assertJsonDepth(Buffer.from(nested(MAX_JSON_DEPTH + 1)));
    } catch (error) {
      thrown = error;
    }

    expect(thrown).toMatchObject({ status: 400, type: 'json.too.deep' });
    expect((thrown as Error).message).toBe(
      `The JSON body is nested deeper than ${MAX_JSON_DEPTH} levels.`,
    );
  });

  it('counts objects and arrays alike', () => {
    const mixed = `${'{"a":['.repeat(17)}1${']}'.repeat(17)}`;

    expect(() => assertJsonDepth(Buffer.from(mixed))).toThrow(/nested deeper/);
  });

  it('ignores brackets inside strings', () => {
    const text = JSON.stringify({ value: '['.repeat(100), quoted: 'a\\"[[[[' });

    expect(() => assertJsonDepth(Buffer.from(text))).not.toThrow();
  });

  it('handles escaped quotes before brackets', () => {
    const text = `{"a": "\\\\", "b": ${nested(MAX_JSON_DEPTH - 1)}}`;

    expect(() => assertJsonDepth(Buffer.from(text))).not.toThrow();
    expect(() => assertJsonDepth(Buffer.from(`{"a": "\\"[[[", "b": 1}`))).not.toThrow();
  });

  it('resets depth between siblings', () => {
    const siblings = `[${Array.from({ length: 50 }, () => nested(20)).join(',')}]`;

    expect(() => assertJsonDepth(Buffer.from(siblings))).not.toThrow();
  });
});
