import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { isMap, parseDocument, parse, type YAMLMap } from 'yaml';

import { CHART, FIXTURES, INVALID_FIXTURES, ROOT, fixtureNames } from './support/paths.js';

// These checks read files only, so they run without Helm.

const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Record<string, any>;
const readYaml = (file: string) => parse(readFileSync(file, 'utf8')) as Record<string, any>;

function deepMerge(base: any, override: any): any {
  if (isPlainObject(base) && isPlainObject(override)) {
    const merged: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(override)) {
      if (value === null) {
        delete merged[key];
      } else {
        merged[key] = deepMerge(base[key], value);
      }
    }

    return merged;
  }

  return override === undefined ? base : override;
}

function isPlainObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

describe('Helm chart metadata', () => {
  const chart = readYaml(path.join(CHART, 'Chart.yaml'));

  it('is a v2 chart whose appVersion is the package version', () => {
    const pkg = readJson(path.join(ROOT, 'package.json'));
    expect(chart.apiVersion).toBe('v2');
    expect(chart.name).toBe('gatehouse');
    expect(chart.appVersion).toBe(pkg.version);
    expect(chart.version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('states a kubeVersion range that includes the Kubernetes version CI validates against', () => {
    const match = /^>=\s*1\.(\d+)\.\d+(-0)?$/.exec(chart.kubeVersion);
    expect(match).not.toBeNull();
    expect(Number(match?.[1])).toBeLessThanOrEqual(30);
  });

  it('ships the built-in identity schema as the default identitySchemas entry', () => {
    const values = readYaml(path.join(CHART, 'values.yaml'));
    const builtIn = readJson(path.join(ROOT, 'src/identity/schemas/default.schema.json'));
    expect(values.identitySchemas.default).toEqual(builtIn);
  });

  it('documents every value in values.yaml', () => {
    const document = parseDocument(readFileSync(path.join(CHART, 'values.yaml'), 'utf8'));
    const undocumented: string[] = [];
    // A comment on a key documents it and everything beneath it.
    const walk = (map: YAMLMap, prefix: string[], documented: boolean) => {
      map.items.forEach((pair, index) => {
        const key = String((pair.key as { value: unknown }).value);
        const own = Boolean(
          (pair.key as { commentBefore?: string }).commentBefore ||
          (index === 0 && map.commentBefore),
        );
        if (isMap(pair.value) && pair.value.items.length > 0 && key !== 'identitySchemas') {
          walk(pair.value, [...prefix, key], documented || own);
        } else if (!documented && !own) {
          undocumented.push([...prefix, key].join('.'));
        }
      });
    };
    walk(document.contents as YAMLMap, [], false);
    expect(undocumented).toEqual([]);
  });

  it('keeps the config schema in values.schema.json in step with the Gatehouse schema', () => {
    const result = spawnSync(
      process.execPath,
      [path.join(ROOT, 'tools/chart-tools/sync-config-schema.mjs'), '--check'],
      { encoding: 'utf8' },
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});

describe('Helm chart values schema', () => {
  const schema = readJson(path.join(CHART, 'values.schema.json'));
  const defaults = readYaml(path.join(CHART, 'values.yaml'));
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats.default(ajv);
  const validate = ajv.compile(schema);

  it('is a draft-07 schema that closes the objects where typos are likely', () => {
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema.additionalProperties).toBe(false);
    for (const key of ['image', 'service', 'ingress', 'probes', 'migration', 'secret']) {
      expect({ key, additionalProperties: schema.properties[key].additionalProperties }).toEqual({
        key,
        additionalProperties: false,
      });
    }
    expect(schema.properties.config.additionalProperties).toBe(false);
    expect(schema.properties.migration.properties.mode.enum).toEqual([
      'job',
      'initContainer',
      'none',
    ]);
  });

  it('accepts the defaults and every fixture', () => {
    for (const fixture of ['(defaults)', ...fixtureNames()]) {
      const values =
        fixture === '(defaults)'
          ? defaults
          : deepMerge(defaults, readYaml(path.join(FIXTURES, fixture)));
      expect({ fixture, valid: validate(values), errors: validate.errors ?? null }).toEqual({
        fixture,
        valid: true,
        errors: null,
      });
    }
  });

  it('rejects the schema violations among the invalid fixtures', () => {
    for (const fixture of [
      'schema-violation-values.yaml',
      'config-typo-values.yaml',
      'invalid-migration-mode-values.yaml',
    ]) {
      const values = deepMerge(defaults, readYaml(path.join(INVALID_FIXTURES, fixture)));
      expect({ fixture, valid: validate(values) }).toEqual({ fixture, valid: false });
    }
  });

  it.each([
    ['a misspelt top-level value', { replicas: 2 }],
    ['a string replica count', { replicaCount: '2' }],
    ['a negative port', { service: { admin: { port: -1 } } }],
    ['an unknown Service type', { service: { public: { type: 'ExternalName' } } }],
    ['a short session key', { secret: { session: ['short'] } }],
    ['a chart-managed config key', { config: { serve: { admin: { port: 9000 } } } }],
    ['a secret in config', { config: { dsn: 'postgres://a@b/c' } }],
    ['a bad duration in config', { config: { ttl: { session: 'a day' } } }],
    ['an invalid identity schema id', { identitySchemas: { 'bad id': {} } }],
    ['a probe timeout of zero', { probes: { readiness: { timeoutSeconds: 0 } } }],
  ])('rejects %s', (_label, override) => {
    expect(validate(deepMerge(defaults, override))).toBe(false);
  });
});
