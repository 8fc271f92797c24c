// Validates rendered Kubernetes manifests offline, close to the API server's own schema
// checks: every object must be an allowed apiVersion/kind, match the JSON Schema generated
// from the Kubernetes 1.30 types (unknown fields, missing required fields, wrong types), and
// pass the kubernetes-models validator of its kind (enums, formats). Prints a JSON report
// {"objects": N, "errors": [...]} and exits with 1 when any object fails.
//
//   node validate.mjs rendered.yaml [more.yaml ...]     (or the manifests on standard input)
import { readFileSync } from 'node:fs';

import { Ajv } from 'ajv';
import { parseAllDocuments } from 'yaml';

import { ALLOWED_KINDS, schemaFile } from './kinds.mjs';

const toolsDir = import.meta.dirname;

const MODEL_MODULES = {
  'v1/ConfigMap': 'kubernetes-models/v1/ConfigMap',
  'v1/Secret': 'kubernetes-models/v1/Secret',
  'v1/Service': 'kubernetes-models/v1/Service',
  'v1/ServiceAccount': 'kubernetes-models/v1/ServiceAccount',
  'v1/PersistentVolumeClaim': 'kubernetes-models/v1/PersistentVolumeClaim',
  'v1/Pod': 'kubernetes-models/v1/Pod',
  'apps/v1/Deployment': 'kubernetes-models/apps/v1/Deployment',
  'batch/v1/Job': 'kubernetes-models/batch/v1/Job',
  'networking.k8s.io/v1/Ingress': 'kubernetes-models/networking.k8s.io/v1/Ingress',
  'networking.k8s.io/v1/NetworkPolicy': 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy',
  'policy/v1/PodDisruptionBudget': 'kubernetes-models/policy/v1/PodDisruptionBudget',
  'autoscaling/v2/HorizontalPodAutoscaler':
    'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler',
  'monitoring.coreos.com/v1/ServiceMonitor':
    '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor',
};

/** Removes null-valued keys, which the API server treats as absent. */
function dropNulls(value) {
  if (Array.isArray(value)) {
    return value.filter((item) => item !== null).map(dropNulls);
  }
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, item]) => item !== null)
        .map(([key, item]) => [key, dropNulls(item)]),
    );
  }

  return value;
}

function loadSchema(kind) {
  const schema = JSON.parse(readFileSync(schemaFile(toolsDir, kind), 'utf8'));
  // The API accepts quantities written as YAML numbers (cpu: 1) as well as strings.
  if (schema.definitions?.Quantity) {
    schema.definitions.Quantity = { type: ['string', 'number'] };
  }

  return schema;
}

function readDocuments(texts) {
  const objects = [];
  for (const { name, text } of texts) {
    for (const document of parseAllDocuments(text)) {
      if (document.errors.length > 0) {
        throw new Error(`${name}: ${document.errors[0].message}`);
      }
      const value = document.toJS();
      if (value !== null && value !== undefined) {
        objects.push({ source: name, object: dropNulls(value) });
      }
    }
  }

  return objects;
}

export async function validateManifests(texts) {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const validators = new Map();
  const errors = [];
  const objects = readDocuments(texts);
  for (const { source, object } of objects) {
    const id = `${object.kind ?? '?'} ${object.metadata?.name ?? '?'} (${source})`;
    const kind = ALLOWED_KINDS.find(
      (candidate) => candidate.apiVersion === object.apiVersion && candidate.kind === object.kind,
    );
    if (!kind) {
      errors.push(`${id}: ${object.apiVersion}/${object.kind} is not an allowed API and kind`);
      continue;
    }
    const key = `${kind.apiVersion}/${kind.kind}`;
    if (kind.typesModule) {
      if (!validators.has(key)) {
        validators.set(key, ajv.compile(loadSchema(kind)));
      }
      const validate = validators.get(key);
      if (!validate(object)) {
        for (const error of validate.errors ?? []) {
          const extra =
            error.keyword === 'additionalProperties' ? ` (${error.params.additionalProperty})` : '';
          errors.push(`${id}: ${error.instancePath || '/'} ${error.message}${extra}`);
        }
      }
    }
    const module = await import(MODEL_MODULES[key]);
    const Model = Object.values(module).find((value) => typeof value === 'function');
    try {
      new Model(object).validate();
    } catch (error) {
      errors.push(
        `${id}: ${String(error.message ?? error)
          .split('\n')
          .slice(0, 6)
          .join(' ')}`,
      );
    }
  }

  return { objects: objects.length, errors };
}

if (import.meta.main ?? process.argv[1] === import.meta.filename) {
  const files = process.argv.slice(2);
  const texts =
    files.length > 0
      ? files.map((file) => ({ name: file, text: readFileSync(file, 'utf8') }))
      : [{ name: 'stdin', text: readFileSync(0, 'utf8') }];
  const report = await validateManifests(texts);
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  process.exitCode = report.errors.length > 0 || report.objects === 0 ? 1 : 0;
}
