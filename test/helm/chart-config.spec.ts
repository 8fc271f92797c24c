import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { parse } from 'yaml';

import { loadRawConfig } from '../../src/config/config.loader.js';
import { GatehouseConfig } from '../../src/config/gatehouse-config.js';
import { TraitsSchemaRegistry } from '../../src/identity/traits-schema.registry.js';
import { createTestDatabase, databaseKinds } from '../support/databases.js';
import { runCli, startGatehouse } from '../support/gatehouse.js';
import {
  CHART,
  describeWithHelm,
  findObject,
  fixtureNames,
  render,
  serverContainer,
  type Manifest,
} from './support/chart.js';

const CONFIG_DIR = '/etc/gatehouse/';

/**
 * Writes the rendered ConfigMap's files into a directory, as Kubernetes mounts them at
 * /etc/gatehouse, with the file URLs of the configuration moved to that directory.
 */
function writeConfigMap(objects: Manifest[], directory: string): string {
  const data = findObject(objects, 'ConfigMap', 'id-gatehouse-config').data as Record<
    string,
    string
  >;
  for (const [name, text] of Object.entries(data)) {
    const moved = text.split(`file://${CONFIG_DIR}`).join(`file://${directory}/`);
    writeFileSync(path.join(directory, name), moved);
  }

  return path.join(directory, 'config.yaml');
}

/** Builds the Gatehouse container's environment, reading Secret references from the render. */
function containerEnv(objects: Manifest[], configFile: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const variable of serverContainer(objects).env as Manifest[]) {
    const ref = variable.valueFrom?.secretKeyRef;
    if (ref) {
      const secret = objects.find(
        (object) => object.kind === 'Secret' && object.metadata.name === ref.name,
      );
      if (secret) {
        env[variable.name] = secret.stringData[ref.key];
      }
    } else if (typeof variable.value === 'string') {
      env[variable.name] = variable.value;
    }
  }
  env.GATEHOUSE_CONFIG = configFile;

  return env;
}

function healthCheck(urls: string[]): { status: number | null; output: string } {
  const script = path.join(CHART, 'files/health-check.mjs');
  const result = spawnSync(process.execPath, [script], {
    env: { PATH: process.env.PATH, CHECK_URLS: urls.join(' '), CHECK_WINDOW_MS: '5000' },
    encoding: 'utf8',
    timeout: 30_000,
  });

  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describeWithHelm('Helm chart: the rendered configuration is valid Gatehouse configuration', () => {
  let directory: string;

  beforeEach(() => {
    directory = mkdtempSync(path.join(tmpdir(), 'gatehouse-chart-config-'));
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it.each(fixtureNames())('%s', async (fixture) => {
    const objects = render({ fixtures: [fixture] });
    const file = writeConfigMap(objects, directory);
    const document = parse(readFileSync(file, 'utf8')) as Record<string, any>;
    expect(document.dsn).toBeUndefined();
    expect(document.secrets).toBeUndefined();
    expect(document.serve.public).toMatchObject({ host: '0.0.0.0', port: 4433 });
    expect(document.serve.admin).toEqual({ host: '0.0.0.0', port: 4434 });

    // Stand-ins where the DSN and keys live in an existing Secret the render cannot show.
    const env = {
      DSN: 'postgres://gatehouse@db:5432/gatehouse',
      SECRETS_SESSION: 'stand-in-key-0123456789abcdef',
      ...containerEnv(objects, file),
    };
    expect(() => loadRawConfig({ file, env })).not.toThrow();
    const config = GatehouseConfig.load({ file, env });
    expect(config.sessionSecretGenerated).toBe(false);
    expect(config.traitsSchemas.map((entry) => entry.url)).toEqual(
      expect.arrayContaining([`file://${directory}/identity.default.schema.json`]),
    );
    const registry = new TraitsSchemaRegistry(config);
    await expect(registry.preload()).resolves.toBeUndefined();
    for (const entry of config.traitsSchemas) {
      await expect(registry.get(entry.id)).resolves.toMatchObject({ id: entry.id });
    }
  });

  it('rejects a configuration Gatehouse would reject', () => {
    // Without the values schema, only the Gatehouse loader catches a bad value before the pod does.
    const objects = render({
      fixtures: ['default-values.yaml'],
      set: { 'config.log.level': 'loud' },
      extraArgs: ['--skip-schema-validation'],
    });
    const file = writeConfigMap(objects, directory);
    expect(() => loadRawConfig({ file, env: containerEnv(objects, file) })).toThrow(
      /log\.level is "loud"/,
    );
  });

  it('leaves out identity schemas set to null', () => {
    const objects = render({
      fixtures: ['postgresql-ingress-values.yaml'],
      extraArgs: ['--set', 'identitySchemas.employee=null'],
    });
    const data = findObject(objects, 'ConfigMap', 'id-gatehouse-config').data;
    expect(Object.keys(data).sort()).toEqual(['config.yaml', 'identity.default.schema.json']);
    expect(data['config.yaml']).not.toContain('employee');
  });

  it('uses the built-in identity schema when identitySchemas.default is null', () => {
    const objects = render({
      fixtures: ['default-values.yaml'],
      extraArgs: ['--set', 'identitySchemas.default=null'],
    });
    const file = writeConfigMap(objects, directory);
    expect(readFileSync(file, 'utf8')).not.toContain('default_schema_url');
    const config = GatehouseConfig.load({ file, env: containerEnv(objects, file) });
    expect(config.traitsSchemas).toEqual([
      { id: 'default', url: expect.stringMatching(/identity\/schemas\/default\.schema\.json$/) },
    ]);
  });
});

describeWithHelm('Helm chart: Gatehouse starts as the pod would', () => {
  const kinds = databaseKinds();

  it.each(kinds)(
    'serves with the rendered configuration and environment on %s, and passes the helm test script',
    async (kind) => {
      const directory = mkdtempSync(path.join(tmpdir(), 'gatehouse-chart-pod-'));
      const fixture = kind === 'sqlite' ? 'default-values.yaml' : 'postgresql-ingress-values.yaml';
      const objects = render({ fixtures: [fixture] });
      const configDir = path.join(directory, 'etc');
      mkdirSync(configDir);
      const env = containerEnv(objects, writeConfigMap(objects, configDir));
      const database = kind === 'postgresql' ? await createTestDatabase(kind, directory) : null;
      try {
        if (database) {
          env.DSN = database.dsn;
          // What the migration Job runs before the server starts.
          const job = findObject(objects, 'Job', 'id-gatehouse-migrate');
          const migrated = await runCli(job.spec.template.spec.containers[0].args, env, directory);
          expect(migrated.stderr).toBe('');
          expect(migrated.code).toBe(0);
        }
        expect(serverContainer(objects).args).toEqual(['serve']);
        const server = await startGatehouse({ dsn: env.DSN, env });
        try {
          const passing = healthCheck([
            `${server.adminUrl}/health/ready`,
            `${server.publicUrl}/health/alive`,
          ]);
          expect(passing.output).toContain('ok');
          expect(passing.status).toBe(0);
        } finally {
          expect(await server.stop('SIGTERM')).toBe(0);
        }
        const failing = healthCheck([`${server.adminUrl}/health/ready`]);
        expect(failing.output).toContain('FAIL');
        expect(failing.status).toBe(1);
      } finally {
        await database?.drop();
        rmSync(directory, { recursive: true, force: true });
      }
    },
    120_000,
  );
});
