import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the chart, its fixtures and the chart tools live; reading them needs no Helm. */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const CHART = path.join(ROOT, 'helm/gatehouse');
export const FIXTURES = path.join(ROOT, 'helm/ci');
export const INVALID_FIXTURES = path.join(FIXTURES, 'invalid');
export const CHART_TOOLS = path.join(ROOT, 'tools/chart-tools');

export function fixturePath(name: string): string {
  return path.join(FIXTURES, name);
}

/** The values files of helm/ci that must render, or those under helm/ci/invalid that must not. */
export function fixtureNames(directory = FIXTURES): string[] {
  return readdirSync(directory)
    .filter((name) => name.endsWith('.yaml'))
    .sort();
}
