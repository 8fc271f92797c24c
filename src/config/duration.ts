const UNIT_MILLISECONDS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Converts a duration such as `90s` or `1h` (one whole number and one unit) to milliseconds. */
export function parseDuration(value: string): number {
  const match = /^([0-9]+)(ns|us|ms|s|m|h)$/.exec(value);
  if (!match) {
    throw new Error(
      `invalid duration "${value}": expected a whole number and a unit, for example 10m`,
    );
  }

  return Number(match[1]) * UNIT_MILLISECONDS[match[2]];
}
