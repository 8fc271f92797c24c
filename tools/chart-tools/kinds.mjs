import path from 'node:path';

/**
 * The API versions and kinds the chart may render. Anything else fails validation, which
 * also catches removed APIs that the model validators would still accept.
 * typesModule is the kubernetes-types file that declares the kind, when it has one.
 */
export const ALLOWED_KINDS = [
  { apiVersion: 'v1', kind: 'ConfigMap', typesModule: 'core/v1' },
  { apiVersion: 'v1', kind: 'Secret', typesModule: 'core/v1' },
  { apiVersion: 'v1', kind: 'Service', typesModule: 'core/v1' },
  { apiVersion: 'v1', kind: 'ServiceAccount', typesModule: 'core/v1' },
  { apiVersion: 'v1', kind: 'PersistentVolumeClaim', typesModule: 'core/v1' },
  { apiVersion: 'v1', kind: 'Pod', typesModule: 'core/v1' },
  { apiVersion: 'apps/v1', kind: 'Deployment', typesModule: 'apps/v1' },
  { apiVersion: 'batch/v1', kind: 'Job', typesModule: 'batch/v1' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', typesModule: 'networking/v1' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', typesModule: 'networking/v1' },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', typesModule: 'policy/v1' },
  {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    typesModule: 'autoscaling/v2',
  },
  { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor' },
];

export const SCHEMA_KINDS = ALLOWED_KINDS.filter((kind) => kind.typesModule);

export function schemaFile(root, kind) {
  return path.join(root, 'schemas', `${kind.apiVersion.replace(/\//g, '_')}_${kind.kind}.json`);
}
