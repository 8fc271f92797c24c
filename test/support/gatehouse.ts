import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { stringify as toYaml } from 'yaml';

import { createTestDatabase, type TestDatabase } from './databases.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ENTRY = path.join(ROOT, 'bin/gatehouse.js');
const START_TIMEOUT_MS = 20_000;

export type DatabaseKind = 'sqlite' | 'postgresql';

export interface StartOptions {
  /** Database of this server; a new SQLite file or PostgreSQL database by default. */
  database?: DatabaseKind;
  /** A database to share with another server, instead of a new one. */
  dsn?: string;
  /** Configuration written to a YAML file passed with --config. */
  config?: Record<string, unknown>;
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Extra arguments after `serve`. */
  args?: string[];
}

/** A Gatehouse process started for a test, on free ports of 127.0.0.1. */
export interface TestServer {
  publicUrl: string;
  adminUrl: string;
  dsn: string;
  directory: string;
  process: ChildProcess;
  /** Every line the process wrote to stdout and stderr so far. */
  logs: string[];
  /** Sends a signal and resolves with the exit code once the process ends. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Fast argon2 settings keep tests quick; the hashing code path stays the same. */
export const TEST_ENV: Record<string, string> = {
  SECRETS_SESSION: 'test-secret-0123456789abcdef',
  HASHERS_ARGON2_MEMORY: '4096',
  HASHERS_ARGON2_ITERATIONS: '1',
  LOG_LEVEL: 'info',
};

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const databases: TestDatabase[] = [];

/** Starts `gatehouse serve` with its own database and waits until both listeners answer. */
export async function startGatehouse(options: StartOptions = {}): Promise<TestServer> {
  const directory = mkdtempSync(path.join(tmpdir(), 'gatehouse-test-'));
  let dsn = options.dsn;
  if (!dsn) {
    const database = await createTestDatabase(options.database ?? 'sqlite', directory);
    databases.push(database);
    dsn = database.dsn;
  }
  const [publicPort, adminPort] = [await freePort(), await freePort()];
  // A new PostgreSQL database needs its migrations; serve applies them only when asked.
  const migrate = dsn.startsWith('postgres') && !options.dsn ? ['--migrate'] : [];
  const args = ['serve', ...migrate, ...(options.args ?? [])];
  if (options.config) {
    const file = path.join(directory, 'gatehouse.yaml');
    writeFileSync(file, toYaml(options.config));
    args.push('--config', file);
  }
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...TEST_ENV,
    DSN: dsn,
    SERVE_PUBLIC_HOST: '127.0.0.1',
    SERVE_ADMIN_HOST: '127.0.0.1',
    SERVE_PUBLIC_PORT: String(publicPort),
    SERVE_ADMIN_PORT: String(adminPort),
    ...options.env,
  };
  const child = spawn(process.execPath, [ENTRY, ...args], {
    cwd: directory,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  await waitForServing(child, logs, exited);

  return {
    publicUrl: `http://127.0.0.1:${publicPort}`,
    adminUrl: `http://127.0.0.1:${adminPort}`,
    dsn,
    directory,
    process: child,
    logs,
    stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
      }
      const code = await exited;
      rmSync(directory, { recursive: true, force: true });

      return code;
    },
  };
}

function waitForServing(
  child: ChildProcess,
  logs: string[],
  exited: Promise<number | null>,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const collect = (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        logs.push(line);
        if (line.includes('"Gatehouse is serving"')) {
          clearTimeout(timer);
          resolve();
        }
      }
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`Gatehouse did not start within ${START_TIMEOUT_MS} ms:\n${logs.join('\n')}`),
      );
    }, START_TIMEOUT_MS);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`Gatehouse exited with code ${code} before serving:\n${logs.join('\n')}`));
    });
  });
}

/** Runs the CLI to completion and returns its exit code and output. */
export async function runCli(
  args: string[],
  env: Record<string, string> = {},
  cwd: string = tmpdir(),
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [ENTRY, ...args], {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));

  return { code, stdout, stderr };
}

/** Drops the PostgreSQL databases made by startGatehouse in this test file. */
export async function dropTestDatabases(): Promise<void> {
  while (databases.length > 0) {
    await databases.pop()?.drop();
  }
}
