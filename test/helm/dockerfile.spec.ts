import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { parse } from 'yaml';

import { CHART, ROOT } from './support/paths.js';

// No Docker engine runs here, so these checks read the Dockerfile the way a reviewer would.

interface Instruction {
  name: string;
  args: string;
}

function readInstructions(): Instruction[] {
  const text = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');

  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [name, ...rest] = line.split(/\s+/);

      return { name: name.toUpperCase(), args: rest.join(' ') };
    });
}

/** Returns the instructions of the last stage, which is the image that runs. */
function runtimeStage(instructions: Instruction[]): Instruction[] {
  const lastFrom = instructions.map((entry) => entry.name).lastIndexOf('FROM');

  return instructions.slice(lastFrom);
}

describe('Dockerfile', () => {
  const instructions = readInstructions();
  const runtime = runtimeStage(instructions);
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

  it('builds in more than one stage from a pinned Node.js base image', () => {
    const froms = instructions.filter((entry) => entry.name === 'FROM');
    expect(froms.length).toBeGreaterThanOrEqual(2);
    const args = Object.fromEntries(
      instructions
        .filter((entry) => entry.name === 'ARG' && entry.args.includes('='))
        .map((entry) => entry.args.split('=', 2)),
    );
    for (const from of froms) {
      const image = from.args.split(/\s+/)[0].replace(/^\$\{(\w+)\}$/, (_all, name: string) => {
        return String(args[name]);
      });
      // An exact Node.js release and Debian release, or a digest; never latest or a bare major.
      expect(image).toMatch(/^node:(\d+\.\d+\.\d+-[a-z]+(-slim)?)(@sha256:[a-f0-9]{64})?$/);
    }
  });

  it('uses a Node.js release that package.json accepts', () => {
    const image = instructions.find((entry) => entry.name === 'ARG')?.args ?? '';
    const [major, minor] = /node:(\d+)\.(\d+)\./.exec(image)?.slice(1).map(Number) ?? [];
    const [needMajor, needMinor] = /(\d+)\.(\d+)/.exec(pkg.engines.node)?.slice(1).map(Number) ?? [
      0, 0,
    ];
    expect(major).toBe(needMajor);
    expect(minor).toBeGreaterThanOrEqual(needMinor);
  });

  it('installs production dependencies only in the image that runs', () => {
    const build = instructions.slice(0, instructions.length - runtime.length);
    const buildRuns = build
      .filter((entry) => entry.name === 'RUN')
      .map((entry) => entry.args)
      .join('\n');
    expect(buildRuns).toContain('npm run build');
    expect(buildRuns).toMatch(/npm prune --omit=dev/);
    expect(
      runtime
        .filter((entry) => entry.name === 'RUN')
        .map((entry) => entry.args)
        .join('\n'),
    ).not.toMatch(/npm (ci|install)/);
  });

  it('copies every file the server reads at run time into the final image', () => {
    const copies = runtime
      .filter((entry) => entry.name === 'COPY')
      .map((entry) => entry.args.replace(/--from=\S+\s+/, '').split(/\s+/)[0]);
    for (const needed of [
      '/app/package.json',
      '/app/node_modules',
      '/app/dist',
      '/app/bin',
      '/app/prisma/sqlite/migrations',
      '/app/prisma/postgresql/migrations',
    ]) {
      expect(copies).toContain(needed);
    }
    for (const provider of ['sqlite', 'postgresql']) {
      expect(existsSync(path.join(ROOT, 'prisma', provider, 'migrations'))).toBe(true);
    }
  });

  it('runs as the non-root user the chart expects', () => {
    const users = runtime.filter((entry) => entry.name === 'USER');
    expect(users).toHaveLength(1);
    const [uid, gid] = users[0].args.split(':').map(Number);
    expect(uid).toBeGreaterThan(0);
    expect(gid).toBeGreaterThan(0);
    const values = parse(readFileSync(path.join(CHART, 'values.yaml'), 'utf8'));
    expect(values.podSecurityContext.runAsUser).toBe(uid);
    expect(values.podSecurityContext.runAsGroup).toBe(gid);
    // The user comes after everything that needs root.
    expect(runtime.findIndex((entry) => entry.name === 'USER')).toBeGreaterThan(
      runtime.map((entry) => entry.name).lastIndexOf('RUN'),
    );
  });

  it('starts `gatehouse serve` through the package bin entry', () => {
    const entrypoint = JSON.parse(runtime.find((entry) => entry.name === 'ENTRYPOINT')!.args);
    const cmd = JSON.parse(runtime.find((entry) => entry.name === 'CMD')!.args);
    expect([...entrypoint, ...cmd]).toEqual(['gatehouse', 'serve']);
    expect(Object.keys(pkg.bin)).toContain('gatehouse');
    const binFile = pkg.bin.gatehouse as string;
    expect(readFileSync(path.join(ROOT, binFile), 'utf8').startsWith('#!/usr/bin/env node')).toBe(
      true,
    );
    const link = runtime.find((entry) => entry.name === 'RUN' && entry.args.includes('ln -s'));
    expect(link?.args).toContain(`ln -s /app/${binFile} /usr/local/bin/gatehouse`);
  });

  it('exposes the public and admin ports', () => {
    expect(
      runtime
        .find((entry) => entry.name === 'EXPOSE')
        ?.args.split(/\s+/)
        .sort(),
    ).toEqual(['4433', '4434']);
  });

  it('keeps the build inputs out of .dockerignore', () => {
    const ignored = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
    const copiedIntoBuild = instructions
      .filter((entry) => entry.name === 'COPY' && !entry.args.startsWith('--from'))
      .flatMap((entry) => entry.args.split(/\s+/).slice(0, -1));
    for (const source of copiedIntoBuild) {
      expect(existsSync(path.join(ROOT, source))).toBe(true);
      expect(ignored).not.toContain(source);
      expect(ignored).not.toContain(`${source}/`);
    }
    for (const pattern of ['**/node_modules', 'dist', 'src/generated']) {
      expect(ignored).toContain(pattern);
    }
  });
});
