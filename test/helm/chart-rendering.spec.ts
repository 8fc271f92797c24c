import { parse } from 'yaml';

import {
  describeWithHelm,
  findObject,
  findObjects,
  fixtureNames,
  render,
  renderFailure,
  renderNotes,
  serverContainer,
  type Manifest,
} from './support/chart.js';

const PRODUCTION = ['postgresql-ingress-values.yaml'];

function podSpecs(objects: Manifest[]): { owner: string; spec: Manifest }[] {
  return [
    ...findObjects(objects, 'Deployment').map((object) => ({
      owner: `Deployment ${object.metadata.name}`,
      spec: object.spec.template.spec,
    })),
    ...findObjects(objects, 'Job').map((object) => ({
      owner: `Job ${object.metadata.name}`,
      spec: object.spec.template.spec,
    })),
    ...findObjects(objects, 'Pod').map((object) => ({
      owner: `Pod ${object.metadata.name}`,
      spec: object.spec,
    })),
  ];
}

function matches(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

describeWithHelm('Helm chart: Services, ports and probes', () => {
  describe.each(fixtureNames())('%s', (fixture) => {
    let objects: Manifest[];
    let deployment: Manifest;
    let podLabels: Record<string, string>;
    let container: Manifest;
    let portNames: string[];

    beforeAll(() => {
      objects = render({ fixtures: [fixture], prometheusOperator: true });
      deployment = findObject(objects, 'Deployment');
      podLabels = deployment.spec.template.metadata.labels;
      container = serverContainer(objects);
      portNames = container.ports.map((port: Manifest) => port.name);
    });

    it('selects its own pods with the Deployment selector', () => {
      expect(matches(deployment.spec.selector.matchLabels, podLabels)).toBe(true);
    });

    it('has Services that select the pods and name container ports', () => {
      const services = findObjects(objects, 'Service');
      expect(services.map((service) => service.metadata.name).sort()).toEqual([
        'id-gatehouse-admin',
        'id-gatehouse-public',
      ]);
      for (const service of services) {
        expect(service.spec.type).toBe('ClusterIP');
        expect(Object.keys(service.spec.selector).length).toBeGreaterThan(0);
        expect(matches(service.spec.selector, podLabels)).toBe(true);
        for (const port of service.spec.ports) {
          expect(portNames).toContain(port.targetPort);
          expect(port.name).toBe(port.targetPort);
        }
      }
      const target = (name: string) =>
        container.ports.find(
          (port: Manifest) =>
            port.name === findObject(objects, 'Service', name).spec.ports[0].targetPort,
        ).containerPort;
      expect(target('id-gatehouse-public')).toBe(4433);
      expect(target('id-gatehouse-admin')).toBe(4434);
    });

    it('probes liveness and readiness on the admin port', () => {
      const adminPort = container.ports.find((port: Manifest) => port.name === 'admin');
      expect(adminPort.containerPort).toBe(4434);
      expect(container.livenessProbe.httpGet).toEqual({ path: '/health/alive', port: 'admin' });
      expect(container.readinessProbe.httpGet).toEqual({ path: '/health/ready', port: 'admin' });
      if (container.startupProbe) {
        expect(container.startupProbe.httpGet).toEqual({ path: '/health/alive', port: 'admin' });
      }
    });

    it('points every Ingress backend at a Service port of this release', () => {
      for (const ingress of findObjects(objects, 'Ingress')) {
        for (const rule of ingress.spec.rules) {
          for (const entry of rule.http.paths) {
            const service = findObject(objects, 'Service', entry.backend.service.name);
            expect(service.spec.ports.map((port: Manifest) => port.name)).toContain(
              entry.backend.service.port.name,
            );
          }
        }
      }
    });

    it('runs every pod hardened', () => {
      for (const { owner, spec } of podSpecs(objects)) {
        expect({ owner, automount: spec.automountServiceAccountToken }).toEqual({
          owner,
          automount: false,
        });
        expect(spec.securityContext).toMatchObject({
          runAsNonRoot: true,
          runAsUser: 10001,
          seccompProfile: { type: 'RuntimeDefault' },
        });
        const own = [...spec.containers, ...(spec.initContainers ?? [])].filter(
          (entry: Manifest) => entry.name !== 'log-shipper',
        );
        for (const entry of own) {
          expect({ owner, container: entry.name, context: entry.securityContext }).toMatchObject({
            context: {
              allowPrivilegeEscalation: false,
              readOnlyRootFilesystem: true,
              privileged: false,
              runAsNonRoot: true,
              capabilities: { drop: ['ALL'] },
            },
          });
          if (entry.name !== 'health') {
            const mounts = (entry.volumeMounts ?? []).map((mount: Manifest) => mount.mountPath);
            expect(mounts).toContain('/tmp');
          }
        }
      }
    });

    it('mounts only volumes the pod defines', () => {
      for (const { spec } of podSpecs(objects)) {
        const volumes = (spec.volumes ?? []).map((volume: Manifest) => volume.name);
        for (const entry of [...spec.containers, ...(spec.initContainers ?? [])]) {
          for (const mount of entry.volumeMounts ?? []) {
            expect(volumes).toContain(mount.name);
          }
        }
      }
    });

    it('reads only ConfigMaps and Secrets that exist', () => {
      const existing = new Set(['gatehouse-credentials', 'corporate-ca']);
      const names = (kind: string) =>
        new Set(findObjects(objects, kind).map((object) => object.metadata.name));
      const configMaps = names('ConfigMap');
      const secrets = names('Secret');
      for (const { spec } of podSpecs(objects)) {
        for (const volume of spec.volumes ?? []) {
          if (volume.configMap) {
            expect(
              configMaps.has(volume.configMap.name) || existing.has(volume.configMap.name),
            ).toBe(true);
          }
        }
        for (const entry of [...spec.containers, ...(spec.initContainers ?? [])]) {
          for (const variable of entry.env ?? []) {
            const ref = variable.valueFrom?.secretKeyRef;
            if (ref) {
              expect(secrets.has(ref.name) || existing.has(ref.name)).toBe(true);
            }
          }
        }
      }
    });
  });

  it('never exposes the admin API by default', () => {
    const objects = render({ fixtures: ['default-values.yaml'] });
    expect(findObject(objects, 'Service', 'id-gatehouse-admin').spec.type).toBe('ClusterIP');
    expect(findObjects(objects, 'Ingress')).toEqual([]);
    const production = render({ fixtures: PRODUCTION });
    expect(findObjects(production, 'Ingress').map((ingress) => ingress.metadata.name)).toEqual([
      'id-gatehouse-public',
    ]);
  });

  it('renders the admin Ingress only when asked, pointing at the admin Service', () => {
    const objects = render({ fixtures: PRODUCTION, set: { 'ingress.admin.enabled': true } });
    const admin = findObject(objects, 'Ingress', 'id-gatehouse-admin');
    expect(admin.spec.rules[0].http.paths[0].backend.service).toEqual({
      name: 'id-gatehouse-admin',
      port: { name: 'admin' },
    });
  });

  it('tunes the probes from values and can turn the startup probe off', () => {
    const objects = render({
      fixtures: ['default-values.yaml'],
      set: {
        'probes.liveness.periodSeconds': 20,
        'probes.readiness.timeoutSeconds': 4,
        'probes.startup.enabled': false,
      },
    });
    const container = serverContainer(objects);
    expect(container.livenessProbe.periodSeconds).toBe(20);
    expect(container.readinessProbe.timeoutSeconds).toBe(4);
    expect(container.startupProbe).toBeUndefined();
  });
});

describeWithHelm('Helm chart: migrations and hooks', () => {
  const weight = (object: Manifest) =>
    Number(object.metadata.annotations?.['helm.sh/hook-weight'] ?? 0);
  const hooks = (object: Manifest) =>
    String(object.metadata.annotations?.['helm.sh/hook'] ?? '').split(',');

  it('creates what the migration Job reads in earlier hooks of the same phases', () => {
    const objects = render({ fixtures: PRODUCTION });
    const job = findObject(objects, 'Job', 'id-gatehouse-migrate');
    expect(hooks(job).sort()).toEqual(['pre-install', 'pre-upgrade']);
    const container = job.spec.template.spec.containers[0];
    expect(container.args).toEqual(['migrate']);
    const readConfigMap = job.spec.template.spec.volumes.find(
      (volume: Manifest) => volume.configMap,
    ).configMap.name;
    const readSecrets = container.env
      .map((variable: Manifest) => variable.valueFrom?.secretKeyRef?.name)
      .filter(Boolean);
    expect(readSecrets.length).toBeGreaterThan(0);
    for (const [kind, name] of [
      ['ConfigMap', readConfigMap],
      ...readSecrets.map((secret: string) => ['Secret', secret]),
    ]) {
      const dependency = findObject(objects, kind, name);
      expect(hooks(dependency).sort()).toEqual(['pre-install', 'pre-upgrade']);
      expect(weight(dependency)).toBeLessThan(weight(job));
    }
    expect(
      container.env.find((variable: Manifest) => variable.name === 'GATEHOUSE_CONFIG').value,
    ).toBe('/etc/gatehouse/config.yaml');
  });

  it('lets the migration Job read an existing Secret directly', () => {
    const objects = render({ fixtures: ['networkpolicy-servicemonitor-values.yaml'] });
    const job = findObject(objects, 'Job', 'id-gatehouse-migrate');
    const dsn = job.spec.template.spec.containers[0].env.find(
      (variable: Manifest) => variable.name === 'DSN',
    );
    expect(dsn.valueFrom.secretKeyRef).toEqual({
      name: 'gatehouse-credentials',
      key: 'postgres-dsn',
    });
    expect(findObjects(objects, 'Secret')).toEqual([]);
  });

  it('keeps the serving pods on ordinary resources, not hooks', () => {
    const objects = render({ fixtures: PRODUCTION });
    for (const kind of ['Deployment', 'Service', 'ConfigMap', 'Secret']) {
      const plain = findObjects(objects, kind).filter((object) => hooks(object)[0] === '');
      expect(plain.length).toBeGreaterThan(0);
    }
    const spec = findObject(objects, 'Deployment').spec.template.spec;
    expect(spec.initContainers).toBeUndefined();
  });

  it('runs migrations in an init container in initContainer mode, and no Job', () => {
    const objects = render({ fixtures: ['initcontainer-values.yaml'] });
    expect(findObjects(objects, 'Job')).toEqual([]);
    const init = findObject(objects, 'Deployment').spec.template.spec.initContainers;
    expect(init.map((entry: Manifest) => entry.name)).toEqual(['migrate']);
    expect(init[0].args).toEqual(['migrate']);
  });

  it('skips chart migrations for SQLite and mode none', () => {
    expect(findObjects(render({ fixtures: ['default-values.yaml'] }), 'Job')).toEqual([]);
    const none = render({ fixtures: PRODUCTION, set: { 'migration.mode': 'none' } });
    expect(findObjects(none, 'Job')).toEqual([]);
    expect(findObject(none, 'Deployment').spec.template.spec.initContainers).toBeUndefined();
  });

  it('defines a helm test that checks readiness on admin and liveness on public', () => {
    const objects = render({ fixtures: PRODUCTION });
    const pod = findObject(objects, 'Pod', 'id-gatehouse-test');
    expect(hooks(pod)).toEqual(['test']);
    const urls = pod.spec.containers[0].env
      .find((variable: Manifest) => variable.name === 'CHECK_URLS')
      .value.split(/\s+/);
    expect(urls).toEqual([
      'http://id-gatehouse-admin:4434/health/ready',
      'http://id-gatehouse-public:4433/health/alive',
    ]);
  });
});

describeWithHelm('Helm chart: rollouts, configuration and secrets', () => {
  const annotations = (objects: Manifest[]) =>
    findObject(objects, 'Deployment').spec.template.metadata.annotations;

  it('changes the config checksum with the configuration', () => {
    const before = annotations(render({ fixtures: PRODUCTION }));
    const after = annotations(
      render({ fixtures: PRODUCTION, set: { 'config.log.level': 'debug' } }),
    );
    expect(after['checksum/config']).not.toBe(before['checksum/config']);
    expect(after['checksum/secret']).toBe(before['checksum/secret']);
  });

  it('changes the config checksum when an identity schema changes', () => {
    const before = annotations(render({ fixtures: PRODUCTION }));
    const after = annotations(
      render({ fixtures: PRODUCTION, set: { 'identitySchemas.employee.title': 'Employee' } }),
    );
    expect(after['checksum/config']).not.toBe(before['checksum/config']);
  });

  it('changes the secret checksum with the DSN or keys', () => {
    const before = annotations(render({ fixtures: PRODUCTION }));
    const dsn = annotations(
      render({ fixtures: PRODUCTION, set: { 'database.dsn': 'postgres://other@db:5432/x' } }),
    );
    const keys = annotations(
      render({
        fixtures: PRODUCTION,
        set: { 'secret.session[0]': 'another-key-0123456789abcdef' },
      }),
    );
    for (const changed of [dsn, keys]) {
      expect(changed['checksum/secret']).not.toBe(before['checksum/secret']);
      expect(changed['checksum/config']).toBe(before['checksum/config']);
    }
  });

  it('renders the same checksums twice for the same values', () => {
    expect(annotations(render({ fixtures: PRODUCTION }))).toEqual(
      annotations(render({ fixtures: PRODUCTION })),
    );
  });

  it('keeps secrets out of the ConfigMap and passes them from the Secret', () => {
    const objects = render({ fixtures: PRODUCTION });
    const configMap = findObject(objects, 'ConfigMap', 'id-gatehouse-config');
    const text = JSON.stringify(configMap.data);
    expect(text).not.toContain('change-me');
    expect(text).not.toContain('ci-session-key');
    const secret = findObject(objects, 'Secret', 'id-gatehouse');
    expect(secret.stringData.dsn).toContain('change-me');
    expect(JSON.parse(secret.stringData.session)).toEqual([
      'ci-session-key-0123456789abcdef',
      'ci-previous-key-0123456789abcdef',
    ]);
    const env = serverContainer(objects).env;
    expect(
      env.find((variable: Manifest) => variable.name === 'DSN').valueFrom.secretKeyRef,
    ).toEqual({ name: 'id-gatehouse', key: 'dsn' });
    expect(
      env.find((variable: Manifest) => variable.name === 'SECRETS_SESSION').valueFrom.secretKeyRef,
    ).toEqual({ name: 'id-gatehouse', key: 'session' });
  });

  it('makes a random session key on install that agrees with its checksum', () => {
    const objects = render({ fixtures: ['default-values.yaml'] });
    const keys = JSON.parse(findObject(objects, 'Secret', 'id-gatehouse').stringData.session);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/^[A-Za-z0-9]{64}$/);
    const other = JSON.parse(
      findObject(render({ fixtures: ['default-values.yaml'] }), 'Secret', 'id-gatehouse').stringData
        .session,
    );
    expect(other[0]).not.toBe(keys[0]);
  });

  it('fails an upgrade that cannot read the session keys', () => {
    const stderr = renderFailure({ fixtures: ['default-values.yaml'], upgrade: true });
    expect(stderr).toContain('secret.session is empty and the session keys made at install');
    expect(stderr).toContain('kubectl get secret id-gatehouse -n identity');
    // Given keys, or an existing Secret, upgrade without reading the cluster.
    expect(() => render({ fixtures: PRODUCTION, upgrade: true })).not.toThrow();
    expect(() =>
      render({ fixtures: ['networkpolicy-servicemonitor-values.yaml'], upgrade: true }),
    ).not.toThrow();
  });

  it('lets endpoints drain before SIGTERM and waits longer than the app does', () => {
    const objects = render({ fixtures: PRODUCTION });
    const spec = findObject(objects, 'Deployment').spec.template.spec;
    const container = serverContainer(objects);
    expect(container.lifecycle.preStop.exec.command).toEqual(['sleep', '5']);
    const config = findObject(objects, 'ConfigMap', 'id-gatehouse-config').data['config.yaml'];
    expect(config).toContain('shutdown_grace_period: 15s');
    expect(spec.terminationGracePeriodSeconds).toBeGreaterThan(5 + 15);
    expect(spec.enableServiceLinks).toBe(false);
  });

  it('updates by rolling, and by Recreate for a persistent SQLite volume', () => {
    const rolling = findObject(render({ fixtures: PRODUCTION }), 'Deployment').spec.strategy;
    expect(rolling).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 },
    });
    const sqlite = render({ fixtures: ['sqlite-persistence-values.yaml'] });
    expect(findObject(sqlite, 'Deployment').spec.strategy).toEqual({ type: 'Recreate' });
    const claim = findObject(sqlite, 'PersistentVolumeClaim', 'id-gatehouse-data');
    expect(claim.metadata.annotations['helm.sh/resource-policy']).toBe('keep');
  });

  it('drops the replica count for the HPA and targets the Deployment', () => {
    const objects = render({ fixtures: ['hpa-pdb-values.yaml'] });
    const deployment = findObject(objects, 'Deployment');
    expect(deployment.spec.replicas).toBeUndefined();
    const hpa = findObject(objects, 'HorizontalPodAutoscaler');
    expect(hpa.spec.scaleTargetRef).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: deployment.metadata.name,
    });
    const pdb = findObject(objects, 'PodDisruptionBudget');
    expect(pdb.spec.minAvailable).toBe(1);
    expect(pdb.spec.maxUnavailable).toBeUndefined();
    expect(matches(pdb.spec.selector.matchLabels, deployment.spec.template.metadata.labels)).toBe(
      true,
    );
    const spread = deployment.spec.template.spec.topologySpreadConstraints[0];
    expect(
      matches(spread.labelSelector.matchLabels, deployment.spec.template.metadata.labels),
    ).toBe(true);
  });
});

describeWithHelm('Helm chart: NetworkPolicy and ServiceMonitor', () => {
  const fixture = ['networkpolicy-servicemonitor-values.yaml'];

  it('opens the admin port only to the chosen peers and the test pod', () => {
    const objects = render({ fixtures: fixture, prometheusOperator: true });
    const policy = findObject(objects, 'NetworkPolicy');
    const deployment = findObject(objects, 'Deployment');
    expect(
      matches(policy.spec.podSelector.matchLabels, deployment.spec.template.metadata.labels),
    ).toBe(true);
    const admin = policy.spec.ingress.find((rule: Manifest) => rule.ports[0].port === 'admin');
    expect(admin.from).toHaveLength(3);
    expect(admin.from.every((peer: Manifest) => peer.podSelector || peer.namespaceSelector)).toBe(
      true,
    );
    const testPod = findObject(objects, 'Pod', 'id-gatehouse-test');
    expect(matches(admin.from[0].podSelector.matchLabels, testPod.metadata.labels)).toBe(true);
    expect(
      matches(admin.from[0].podSelector.matchLabels, deployment.spec.template.metadata.labels),
    ).toBe(false);
    // Every rule names a port, so no rule opens the admin port to everyone.
    expect(policy.spec.ingress.every((rule: Manifest) => rule.ports.length === 1)).toBe(true);
  });

  it('renders the ServiceMonitor only when the cluster has the API, aimed at the admin Service', () => {
    const without = render({ fixtures: fixture });
    expect(findObjects(without, 'ServiceMonitor')).toEqual([]);
    const objects = render({ fixtures: fixture, prometheusOperator: true });
    const monitor = findObject(objects, 'ServiceMonitor');
    const selected = findObjects(objects, 'Service').filter((service) =>
      matches(monitor.spec.selector.matchLabels, service.metadata.labels),
    );
    expect(selected.map((service) => service.metadata.name)).toEqual(['id-gatehouse-admin']);
    expect(monitor.spec.endpoints[0].port).toBe('admin');
    expect(monitor.metadata.labels.release).toBe('kube-prometheus-stack');
  });
});

describeWithHelm('Helm chart: NOTES.txt', () => {
  it('tells how to reach both APIs and how to test the release', () => {
    const notes = renderNotes({ fixtures: ['default-values.yaml'] });
    expect(notes).toContain('kubectl -n identity port-forward svc/id-gatehouse-public 4433:4433');
    expect(notes).toContain('kubectl -n identity port-forward svc/id-gatehouse-admin 4434:4434');
    expect(notes).toContain('http://id-gatehouse-admin.identity.svc:4434/identities');
    expect(notes).toContain('helm test id -n identity');
    expect(notes).toContain('Set config.urls.self.public');
    expect(notes).toContain('an emptyDir: it is lost when the pod goes');
  });

  it('names the public Ingress hosts and warns about an admin Ingress', () => {
    const notes = renderNotes({ fixtures: PRODUCTION, set: { 'ingress.admin.enabled': true } });
    expect(notes).toContain('https://id.example.com/');
    expect(notes).not.toContain('Set config.urls.self.public');
    expect(notes).toContain('WARNING: the admin Ingress is on');
  });
});

describeWithHelm('Helm chart: base URLs', () => {
  const selfUrls = (objects: Manifest[]): Record<string, string> => {
    const configMap = findObject(objects, 'ConfigMap', 'id-gatehouse-config');

    return parse(configMap.data['config.yaml']).urls.self;
  };

  it('points the admin URL at the admin Service', () => {
    const objects = render({ fixtures: ['default-values.yaml'] });
    expect(selfUrls(objects)).toEqual({ admin: 'http://id-gatehouse-admin.identity.svc:4434/' });
  });

  it('takes the public URL from the public Ingress unless it is set', () => {
    const https = render({
      fixtures: ['default-values.yaml'],
      set: {
        'ingress.public.enabled': true,
        'ingress.public.tls[0].secretName': 'id-tls',
        'ingress.public.tls[0].hosts[0]': 'id.example.com',
      },
    });
    expect(selfUrls(https).public).toBe('https://id.example.com/');
    const http = render({
      fixtures: ['default-values.yaml'],
      set: { 'ingress.public.enabled': true },
    });
    expect(selfUrls(http).public).toBe('http://id.example.com/');
    const given = render({
      fixtures: PRODUCTION,
      set: { 'config.urls.self.public': 'https://login.example.org/' },
    });
    expect(selfUrls(given).public).toBe('https://login.example.org/');
  });
});
