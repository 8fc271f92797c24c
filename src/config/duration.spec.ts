import { parseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    ['1h', 3_600_000],
    ['90m', 5_400_000],
    ['45s', 45_000],
    ['250ms', 250],
    ['1500us', 1.5],
    ['2000000ns', 2],
    ['0s', 0],
  ])('converts %s', (text, milliseconds) => {
    expect(parseDuration(text)).toBe(milliseconds);
  });

  it.each(['', '1', 'h', '1.5h', '-1s', '1 h', '1d', '1h30m', ' 1h', '1H'])(
    'rejects %j',
    (text) => {
      expect(() => parseDuration(text)).toThrow(/invalid duration/);
    },
  );
});
