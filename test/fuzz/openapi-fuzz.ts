import { readFileSync } from 'node:fs';

import { Ajv } from 'ajv';
import fc from 'fast-check';

/** One operation of the OpenAPI document, with what the fuzzer needs to know about it. */
export interface Operation {
  method: string;
  /** The path template, such as /identities/{id}. */
  path: string;
  listeners: ('public' | 'admin')[];
  pathParams: string[];
  queryParams: string[];
  /** Content types the body may have, empty when there is no body. */
  bodyTypes: string[];
  /** Names of the body's top-level properties. */
  bodyFields: string[];
}

/** A request to send: everything as raw as fetch allows. */
export interface FuzzRequest {
  method: string;
  /** Path and query, already encoded. */
  target: string;
  headers: Record<string, string>;
  body?: Buffer;
}

export const OPENAPI = JSON.parse(
  readFileSync(new URL('../../openapi/gatehouse.openapi.json', import.meta.url), 'utf8'),
);

export function operations(): Operation[] {
  const result: Operation[] = [];
  for (const [path, methods] of Object.entries<Record<string, any>>(OPENAPI.paths)) {
    for (const [method, operation] of Object.entries<any>(methods)) {
      const tags: string[] = operation.tags ?? [];
      const listeners: Operation['listeners'] = tags.includes('admin')
        ? ['admin']
        : tags.includes('public')
          ? ['public']
          : ['public', 'admin'];
      const parameters: { in: string; name: string }[] = operation.parameters ?? [];
      const content: Record<string, { schema?: any }> = operation.requestBody?.content ?? {};
      const fields = new Set<string>();
      for (const media of Object.values(content)) {
        for (const name of Object.keys(resolve(media.schema)?.properties ?? {})) {
          fields.add(name);
        }
      }
      result.push({
        method: method.toUpperCase(),
        path,
        listeners,
        pathParams: parameters.filter((p) => p.in === 'path').map((p) => p.name),
        queryParams: parameters.filter((p) => p.in === 'query').map((p) => p.name),
        bodyTypes: Object.keys(content),
        bodyFields: [...fields],
      });
    }
  }

  return result;
}

function resolve(schema: any): any {
  if (schema?.$ref) {
    return OPENAPI.components.schemas[schema.$ref.split('/').pop()];
  }

  return schema;
}

/** Validates error bodies against the document's genericError schema. */
export function errorEnvelopeValidator() {
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  ajv.addSchema({ components: OPENAPI.components }, 'openapi');
  const validate = ajv.compile({ $ref: 'openapi#/components/schemas/genericError' });

  return (body: unknown): string | undefined =>
    validate(body) ? undefined : ajv.errorsText(validate.errors);
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Percent-encodes like encodeURIComponent, without throwing on lone surrogates: they become
 * U+FFFD, as in any UTF-8 encoding of the string.
 */
export function encodeLoose(value: string): string {
  return encodeURIComponent(value.replace(LONE_SURROGATE, '\ufffd'));
}

const TRICKY = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff',
  '\ud83d',
  'x\ud800y',
  '\u202eevil\u202c',
  '\u200f\u200e',
  '\ufeff',
  '\uffff',
  '\u0085',
  '\u2028\u2029',
  'e\u0301',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
  'İ',
  'ß',
  'ａｄｍｉｎ@ｅｘａｍｐｌｅ.ｃｏｍ',
  '%',
  '%zz',
  '%00',
  '%c0%af',
  '%ed%a0%80',
  '../../etc/passwd',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'null',
  'undefined',
  'NaN',
  'true',
  '-1',
  '0',
  '1e309',
  '9007199254740993',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  '{}',
  '[]',
  '{"$ne":null}',
  "' OR 1=1 --",
  '"; DROP TABLE identities; --',
  '<script>alert(1)</script>',
  '${7*7}',
  'javascript:alert(1)',
  '//evil.test',
  'http://evil.test',
  'a@b',
  'user@example.com',
  'default',
  'file:///etc/passwd',
];

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...TRICKY) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 40 }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.constantFrom('a', '\u0000', '\ud800', 'é', '%', '{'),
        fc.integer({ min: 300, max: 20_000 }),
      )
      .map(([unit, count]) => unit.repeat(count)),
  },
);

const nested: fc.Arbitrary<unknown> = fc
  .tuple(fc.integer({ min: 20, max: 200 }), fc.boolean())
  .map(([depth, arrays]) => {
    let value: unknown = 'leaf';
    for (let level = 0; level < depth; level += 1) {
      value = arrays ? [value] : { a: value };
    }

    return value;
  });

export const hostileJsonValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: hostileString },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  { weight: 1, arbitrary: nested },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      null,
      true,
      false,
      0,
      -0,
      1.5,
      -1,
      2 ** 53,
      1e308,
      [],
      {},
      [null],
      { __proto__: { polluted: true } },
      JSON.parse('{"__proto__":{"polluted":true}}'),
      { constructor: { prototype: { polluted: true } } },
      { email: ['a@b.c'] },
    ),
  },
  { weight: 1, arbitrary: fc.array(hostileString, { maxLength: 5 }) },
  {
    weight: 1,
    arbitrary: fc.dictionary(hostileString, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 }),
  },
);

/** An object with some of the operation's own fields, each with a hostile value, and extras. */
function shapedObject(fields: string[]): fc.Arbitrary<Record<string, unknown>> {
  const known = [
    'traits',
    'traits.email',
    'identifier',
    'password',
    'csrf_token',
    'traits_schema_id',
    'id',
    ...fields,
  ];

  return fc
    .tuple(
      fc.subarray(known),
      fc.array(hostileJsonValue, { minLength: known.length, maxLength: known.length }),
      fc.dictionary(hostileString, hostileJsonValue, { maxKeys: 3 }),
    )
    .map(([names, values, extra]) => {
      const object: Record<string, unknown> = { ...extra };
      names.forEach((name, index) => {
        object[name] = values[index];
      });

      return object;
    });
}

const rawBytes: fc.Arbitrary<Buffer> = fc.oneof(
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
  fc.constantFrom(
    Buffer.from([0xc0, 0xaf]),
    Buffer.from('{"identifier":"\xc0\xaf"}', 'latin1'),
    Buffer.from([0xed, 0xa0, 0x80]),
    Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]),
    Buffer.from([0xff, 0xfe, 0x7b, 0x00, 0x7d, 0x00]),
    Buffer.from('{"a":'),
    Buffer.from('{"a":1,}'),
    Buffer.from('[1,2'),
    Buffer.from('"\\ud800"'),
    Buffer.from('{"traits":{"email":"\\u0000"}}'),
    Buffer.from('a=1&a=2&a[b]=3&__proto__[x]=1'),
    Buffer.from('%'),
    Buffer.from('password=%ff%fe&identifier=%c0%af'),
    Buffer.from('traits.email=x&traits.email=y&traits=z'),
    Buffer.from(`${'x='.repeat(2000)}`),
  ),
);

function formBody(fields: Record<string, unknown>): string {
  return Object.entries(fields)
    .flatMap(([name, value]) =>
      (Array.isArray(value) ? value : [value]).map(
        (item) =>
          `${encodeLoose(name)}=${encodeLoose(typeof item === 'string' ? item : (JSON.stringify(item) ?? ''))}`,
      ),
    )
    .join('&');
}

const contentTypes = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=utf-16',
  'application/json; charset=nonsense',
  'application/x-www-form-urlencoded',
  'application/x-www-form-urlencoded; charset=iso-8859-1',
  'text/plain',
  'multipart/form-data; boundary=x',
  'application/xml',
  '*/*',
  'garbage',
  '',
);

/** A header value fetch accepts: visible Latin-1 only. */
const headerValue: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('', 'null', '\u00ff\u00fe', '%00', 'ü', '<script>', 'a'.repeat(4000)),
  fc.string({
    unit: fc
      .integer({ min: 0x20, max: 0xff })
      .filter((code) => code < 0x7f || code > 0x9f)
      .map((code) => String.fromCharCode(code)),
    maxLength: 60,
  }),
);

export interface FuzzContext {
  /** Cookie headers of a signed-in and of an anonymous browser, with a valid CSRF token each. */
  browsers: { cookie: string; csrfToken: string }[];
  requestIds: Record<'login' | 'registration' | 'profile', string>;
  identityId: string;
}

/** Builds hostile requests for one operation. */
export function requestsFor(operation: Operation, context: FuzzContext): fc.Arbitrary<FuzzRequest> {
  const pathValue = fc.oneof(
    { weight: 1, arbitrary: fc.constant(context.identityId) },
    { weight: 1, arbitrary: fc.constant('default') },
    { weight: 4, arbitrary: hostileString },
  );
  const queryValue = fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom(...Object.values(context.requestIds)) },
    { weight: 4, arbitrary: hostileString },
    { weight: 1, arbitrary: fc.constantFrom('%', '%zz', '%c0%af', '%ed%a0%80', '%00') },
  );
  const query = fc
    .tuple(
      fc.subarray([...operation.queryParams, 'request', 'return_to']),
      fc.array(queryValue, { minLength: 1, maxLength: 3 }),
      fc.boolean(),
      fc.dictionary(hostileString, hostileString, { maxKeys: 2 }),
    )
    .map(([names, values, raw, extra]) => {
      const parts: string[] = [];
      for (const name of names) {
        for (const value of values) {
          // Some values are sent as they are, so that broken percent-encoding reaches the server.
          parts.push(`${name}=${raw && /^%[!-~]*$/.test(value) ? value : encodeLoose(value)}`);
        }
      }
      for (const [name, value] of Object.entries(extra)) {
        parts.push(`${encodeLoose(name)}=${encodeLoose(value)}`);
      }

      return parts.length > 0 ? `?${parts.join('&')}` : '';
    });
  const path = fc
    .array(pathValue, {
      minLength: operation.pathParams.length,
      maxLength: operation.pathParams.length,
    })
    .map((values) => {
      let result = operation.path;
      operation.pathParams.forEach((name, index) => {
        result = result.replace(`{${name}}`, encodeLoose(values[index]));
      });

      return result;
    });
  const body: fc.Arbitrary<{ type?: string; bytes?: Buffer }> = fc.oneof(
    fc.constant({}),
    fc
      .tuple(shapedObject(operation.bodyFields), contentTypes)
      .map(([object, type]) => ({ type, bytes: Buffer.from(JSON.stringify(object) ?? 'null') })),
    fc
      .tuple(hostileJsonValue, contentTypes)
      .map(([value, type]) => ({ type, bytes: Buffer.from(JSON.stringify(value) ?? 'null') })),
    fc
      .tuple(shapedObject(operation.bodyFields), contentTypes)
      .map(([object, type]) => ({ type, bytes: Buffer.from(formBody(object)) })),
    fc.tuple(rawBytes, contentTypes).map(([bytes, type]) => ({ type, bytes })),
  );
  const headers = fc
    .record(
      {
        accept: fc.constantFrom(
          'application/json',
          'text/html',
          '*/*',
          'application/xml',
          'garbage',
        ),
        browser: fc.constantFrom(...context.browsers),
        cookie: fc.oneof(
          fc.constant(undefined),
          fc.constant(''),
          fc
            .tuple(fc.constantFrom('ory_kratos_session', 'csrf_token', 'x'), headerValue)
            .map(([name, value]) => `${name}=${value.replace(/;/g, '')}`),
          headerValue.map((value) => `${context.browsers[0].cookie}; ${value}`),
        ),
        csrf: fc.oneof(fc.constant(undefined), headerValue),
        forwardedFor: headerValue,
        requestId: headerValue,
      },
      { requiredKeys: ['accept', 'browser'] },
    )
    .map((record) => {
      const result: Record<string, string> = { accept: record.accept };
      // Without a cookie or token of its own, the request carries a real browser's, so that
      // it gets past the CSRF check and reaches the handlers.
      const cookie = 'cookie' in record ? record.cookie : record.browser.cookie;
      if (cookie) {
        result.cookie = cookie;
      }
      const csrf = 'csrf' in record ? record.csrf : record.browser.csrfToken;
      if (csrf !== undefined) {
        result['x-csrf-token'] = csrf;
      }
      if (record.forwardedFor !== undefined) {
        result['x-forwarded-for'] = record.forwardedFor;
      }
      if (record.requestId !== undefined) {
        result['x-request-id'] = record.requestId;
      }

      return result;
    });
  const method = fc.oneof(
    { weight: 9, arbitrary: fc.constant(operation.method) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'),
    },
  );

  return fc.tuple(method, path, query, headers, body).map(([verb, p, q, h, b]) => {
    const request: FuzzRequest = { method: verb, target: `${p}${q}`, headers: { ...h } };
    if (b.bytes && verb !== 'GET' && verb !== 'HEAD') {
      request.body = b.bytes;
      if (b.type) {
        request.headers['content-type'] = b.type;
      }
    }

    return request;
  });
}
