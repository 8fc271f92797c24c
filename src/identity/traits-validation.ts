import type { ErrorObject } from 'ajv';

/** Keyword under which the `ory.sh/kratos` schema extension is compiled; ajv keywords cannot contain dots or slashes. */
export const EXTENSION_KEYWORD = 'ory_sh_kratos';

/** One failed check of identity traits against their JSON Schema. */
export interface TraitsViolation {
  /** Dotted form-field name, such as `traits.email`; `traits` for the traits object itself. */
  field: string;
  /** JSON pointer into the request body, such as `/traits/email`. */
  pointer: string;
  /** The description alone, such as `Does not match format 'email'`. */
  message: string;
}

/**
 * Turns ajv's errors into violations with the message texts of ORY Kratos v0.1, which
 * frontends written for that API show to people as they are.
 */
export function describeViolations(errors: ErrorObject[]): TraitsViolation[] {
  const violations: (TraitsViolation & { fromExtension: boolean })[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    const segments = error.instancePath
      .split('/')
      .slice(1)
      .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
    if (error.keyword === 'required') {
      segments.push(String(error.params.missingProperty));
    }
    const violation = {
      field: ['traits', ...segments].join('.'),
      pointer: ['', 'traits', ...segments.map(escapePointer)].join('/'),
      message: describeError(error, segments),
      fromExtension: error.keyword === EXTENSION_KEYWORD,
    };
    const key = `${violation.field}\u0000${violation.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      violations.push(violation);
    }
  }
  // The identifier extension reports a non-string value before the schema's own type check
  // does. When the schema reports the same field itself, only the schema's message is kept.
  const explained = new Set(
    violations
      .filter((violation) => !violation.fromExtension)
      .map((violation) => violation.pointer),
  );

  return violations
    .filter((violation) => !violation.fromExtension || !explained.has(violation.pointer))
    .map(({ field, pointer, message }) => ({ field, pointer, message }));
}

function describeError(error: ErrorObject, segments: string[]): string {
  const params = error.params as Record<string, unknown>;
  const field = segments[segments.length - 1] ?? 'traits';
  switch (error.keyword) {
    case 'required':
      return `${String(params.missingProperty)} is required`;
    case 'type':
      return `Invalid type. Expected: ${String(params.type)}, given: ${jsonType(error.data)}`;
    case 'minLength':
      return `String length must be greater than or equal to ${String(params.limit)}`;
    case 'maxLength':
      return `String length must be less than or equal to ${String(params.limit)}`;
    case 'minimum':
      return `Must be greater than or equal to ${String(params.limit)}`;
    case 'exclusiveMinimum':
      return `Must be greater than ${String(params.limit)}`;
    case 'maximum':
      return `Must be less than or equal to ${String(params.limit)}`;
    case 'exclusiveMaximum':
      return `Must be less than ${String(params.limit)}`;
    case 'multipleOf':
      return `Must be a multiple of ${String(params.multipleOf)}`;
    case 'pattern':
      return `Does not match pattern '${String(params.pattern)}'`;
    case 'format':
      return `Does not match format '${String(params.format)}'`;
    case 'enum':
      return `${field} must be one of the following: ${(params.allowedValues as unknown[]).map((value) => JSON.stringify(value)).join(', ')}`;
    case 'const':
      return `${field} does not match: ${JSON.stringify(params.allowedValue)}`;
    case 'additionalProperties':
      return `Additional property ${String(params.additionalProperty)} is not allowed`;
    case 'minItems':
      return `Array must have at least ${String(params.limit)} items`;
    case 'maxItems':
      return `Array must have at most ${String(params.limit)} items`;
    case 'uniqueItems':
      return `array items[${String(params.j)},${String(params.i)}] must be unique`;
    case 'minProperties':
      return `Must have at least ${String(params.limit)} properties`;
    case 'maxProperties':
      return `Must have at most ${String(params.limit)} properties`;
    case 'anyOf':
      return 'Must validate at least one schema (anyOf)';
    case 'oneOf':
      return 'Must validate one and only one schema (oneOf)';
    case 'allOf':
      return 'Must validate all the schemas (allOf)';
    case 'not':
      return 'Must not validate the schema (not)';
    default:
      return error.message ? capitalize(error.message) : 'Is invalid';
  }
}

/** JSON Schema type name of a value; whole numbers count as `integer`. */
export function jsonType(value: unknown): string {
  if (value === null) {
    return 'null';
  }
  if (Array.isArray(value)) {
    return 'array';
  }
  if (typeof value === 'number') {
    return Number.isInteger(value) ? 'integer' : 'number';
  }

  return typeof value;
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * Finds strings and object keys that contain U+0000. PostgreSQL cannot store that character in
 * JSON or text columns, so it is rejected on every database alike.
 */
export function findNulCharacters(value: unknown, segments: string[] = []): TraitsViolation[] {
  const violation = (path: string[]): TraitsViolation => ({
    field: ['traits', ...path].join('.'),
    pointer: ['', 'traits', ...path.map(escapePointer)].join('/'),
    message: 'Must not contain the NUL character (U+0000)',
  });
  if (typeof value === 'string') {
    return value.includes('\u0000') ? [violation(segments)] : [];
  }
  if (Array.isArray(value)) {
    return value.flatMap((item, index) => findNulCharacters(item, [...segments, String(index)]));
  }
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([key, item]) =>
      key.includes('\u0000')
        ? [violation([...segments, key])]
        : findNulCharacters(item, [...segments, key]),
    );
  }

  return [];
}
