import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { stringify } from 'yaml';

import {
  CHART,
  INVALID_FIXTURES,
  KUBE_VERSION,
  describeWithHelm,
  findObject,
  fixtureNames,
  fixturePath,
  helm,
  parseManifests,
  renderFailure,
  renderText,
  validateManifests,
} from './support/chart.js';

// Each fixture turns on different parts of the chart; together they render every template.
const FIXTURES = fixtureNames();

describeWithHelm('Helm chart: lint, render and validate each fixture', () => {
  it('has the fixtures that cover each toggle', () => {
    expect(FIXTURES).toEqual(
      expect.arrayContaining([
        'default-values.yaml',
        'postgresql-ingress-values.yaml',
        'hpa-pdb-values.yaml',
        'networkpolicy-servicemonitor-values.yaml',
        'initcontainer-values.yaml',
      ]),
    );
  });

  describe.each(FIXTURES)('%s', (fixture) => {
    it('passes helm lint --strict', () => {
      const result = helm([
        'lint',
        '--strict',
        CHART,
        '--values',
        fixturePath(fixture),
        '--kube-version',
        KUBE_VERSION,
      ]);
      expect(`${result.stdout}${result.stderr}`).toContain('0 chart(s) failed');
      expect(result.stderr).not.toMatch(/\[(WARNING|ERROR)\]|Fail:/);
      expect(result.status).toBe(0);
    });

    it('renders objects that are valid Kubernetes 1.30 objects', () => {
      const text = renderText({ fixtures: [fixture], prometheusOperator: true });
      const report = validateManifests(text);
      expect(report.errors).toEqual([]);
      expect(report.objects).toBeGreaterThanOrEqual(6);
    });
  });

  it('renders every template in at least one fixture', () => {
    const sources = new Set<string>();
    for (const fixture of FIXTURES) {
      const text = renderText({ fixtures: [fixture], prometheusOperator: true });
      for (const match of text.matchAll(/^# Source: gatehouse\/templates\/(\S+)$/gm)) {
        sources.add(match[1]);
      }
    }
    expect([...sources].sort()).toEqual([
      'configmap.yaml',
      'deployment.yaml',
      'hpa.yaml',
      'ingresses.yaml',
      'migration-job.yaml',
      'networkpolicy.yaml',
      'pdb.yaml',
      'pvc.yaml',
      'secret.yaml',
      'servicemonitor.yaml',
      'services.yaml',
      'tests/test-health.yaml',
    ]);
  });

  it('packages the chart', () => {
    const output = mkdtempSync(path.join(tmpdir(), 'gatehouse-chart-'));
    const result = helm(['package', CHART, '--destination', output]);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('Successfully packaged chart');
  });
});

describeWithHelm('Helm chart: the validator catches broken objects', () => {
  const deploymentOf = () =>
    findObject(parseManifests(renderText({ fixtures: ['default-values.yaml'] })), 'Deployment');

  it.each([
    [
      'an unknown field',
      (deployment: any) => {
        deployment.spec.template.spec.containers[0].resourcez = {};
      },
      'resourcez',
    ],
    [
      'a string replica count',
      (deployment: any) => {
        deployment.spec.replicas = '2';
      },
      'replicas',
    ],
    [
      'a bad imagePullPolicy',
      (deployment: any) => {
        deployment.spec.template.spec.containers[0].imagePullPolicy = 'Sometimes';
      },
      'imagePullPolicy',
    ],
    [
      'a container without a name',
      (deployment: any) => {
        delete deployment.spec.template.spec.containers[0].name;
      },
      'name',
    ],
    [
      'a removed API version',
      (deployment: any) => {
        deployment.apiVersion = 'extensions/v1beta1';
      },
      'not an allowed API',
    ],
  ])('reports %s', (_label, breakIt, expected) => {
    const deployment = deploymentOf();
    breakIt(deployment);
    const report = validateManifests(stringify(deployment));
    expect(report.errors.join('\n')).toContain(expected);
  });
});

describeWithHelm('Helm chart: renders that must fail', () => {
  it.each([
    ['schema-violation-values.yaml', /Additional property replicas is not allowed/],
    ['config-typo-values.yaml', /config\.log: Additional property levle is not allowed/],
    ['missing-dsn-values.yaml', /database\.dsn is required/],
    ['invalid-migration-mode-values.yaml', /migration\.mode must be one of .*"job"/],
    [
      'sqlite-two-replicas-values.yaml',
      /SQLite database, which lives inside one pod, but replicaCount is 2/,
    ],
    ['sqlite-hpa-values.yaml', /in-memory database, .* but autoscaling\.enabled is true/],
  ])('%s fails with a clear message', (fixture, message) => {
    expect(renderFailure({ fixtures: [path.join(INVALID_FIXTURES, fixture)] })).toMatch(message);
  });

  it('has a test for every invalid fixture', () => {
    expect(fixtureNames(INVALID_FIXTURES)).toHaveLength(6);
  });

  it('refuses an invalid migration mode even without the values schema', () => {
    const stderr = renderFailure({
      fixtures: [path.join(INVALID_FIXTURES, 'invalid-migration-mode-values.yaml')],
      extraArgs: ['--skip-schema-validation'],
    });
    expect(stderr).toContain('migration.mode is "always" but must be job, initContainer or none');
  });

  it.each([
    [{ 'database.dsn': 'mysql://db/x' }, 'must start with postgres://'],
    [{ 'database.dsn': 'sqlite:///var/lib/gatehouse.sqlite' }, 'outside /app/data'],
    [
      { 'database.dsn': 'postgres://db/x', 'persistence.enabled': true },
      'persistence.enabled keeps an SQLite database',
    ],
    [
      { 'database.dsn': 'postgres://db/x', 'secret.existingSecret': 'mine' },
      'database.dsn and secret.existingSecret are both set',
    ],
    [{ 'database.dsn': 'postgres://db/x', 'config.serve.public.port': 8080 }, 'port'],
    [
      { 'database.dsn': 'postgres://db/x', terminationGracePeriodSeconds: 20 },
      'terminationGracePeriodSeconds (20) must be more than',
    ],
    [
      {
        'database.dsn': 'postgres://db/x',
        'podDisruptionBudget.enabled': true,
        'podDisruptionBudget.minAvailable': 1,
        'podDisruptionBudget.maxUnavailable': 1,
      },
      'both set',
    ],
    [
      {
        'database.dsn': 'postgres://db/x',
        'config.identity.traits.default_schema_url': 'https://schemas.example.com/p.json',
      },
      'identitySchemas.default are both set',
    ],
  ])('refuses %j', (set, message) => {
    expect(renderFailure({ set })).toContain(message);
  });
});
