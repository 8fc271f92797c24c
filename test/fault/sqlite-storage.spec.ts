import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { admin, expectErrorEnvelope, type AdminResponse } from '../support/admin.js';
import { BrowserClient } from '../support/browser-client.js';
import { register, whoami } from '../support/flows.js';
import {
  freePort,
  runCli,
  startGatehouse,
  TEST_ENV,
  type TestServer,
} from '../support/gatehouse.js';

const PASSWORD = 'correct horse battery staple';
const STORAGE_REASON = /read-only or the disk is full|could not commit the change/;

/**
 * Sets the file-size limit (RLIMIT_FSIZE) of a running process. Writes that would grow a file
 * past it fail, as on a full disk; Node ignores SIGXFSZ, so the process lives on.
 */
function limitFileSize(pid: number, bytes: number | 'unlimited'): void {
  execFileSync('prlimit', ['--pid', String(pid), `--fsize=${bytes}:`]);
}

// NOTE: as root the read-only case uses chattr +i, which works on ext2/3/4 and some other
// filesystems but not on tmpfs or overlayfs; there the test fails at chattr.
// A file made read-only while the server runs is not tested: the open descriptor keeps writing.
const isRoot = process.getuid?.() === 0;

describe('SQLite storage faults', () => {
  let server: TestServer | undefined;

  afterEach(async () => {
    if (server) {
      limitFileSize(server.process.pid!, 'unlimited');
      await server.stop();
      server = undefined;
    }
  });

  it('answers writes on a full disk with 503 and recovers when space returns', async () => {
    server = await startGatehouse({ database: 'sqlite' });
    const person = new BrowserClient();
    expect((await register(person, server, 'before@example.com', PASSWORD)).status).toBe(302);

    // No file may grow any more: the write-ahead log soon needs room it cannot get.
    limitFileSize(server.process.pid!, 1);
    let refused: AdminResponse | undefined;
    for (let index = 0; index < 500 && !refused; index += 1) {
      const created = await admin(server, 'POST', '/identities', {
        json: { traits: { email: `filler-${index}@example.com` } },
      });
      if (created.status !== 201) {
        refused = created;
      }
    }
    expect(refused).toBeDefined();
    expectErrorEnvelope(refused!, 503);
    expect(refused!.body.error.reason).toMatch(STORAGE_REASON);
    expect(refused!.headers.get('retry-after')).toBe('5');

    // Browser flows get the same answer; reads keep working and the process stays up.
    const newcomer = await new BrowserClient().get(
      `${server.publicUrl}/self-service/browser/flows/registration`,
    );
    expect(newcomer.status).toBe(503);
    expect(newcomer.json().error.reason).toMatch(STORAGE_REASON);
    expect((await whoami(person, server)).status).toBe(200);
    expect((await fetch(`${server.adminUrl}/health/alive`)).status).toBe(200);
    expect(server.process.exitCode).toBeNull();
    expect(
      server.logs.some((line) =>
        /database or disk is full|disk I\/O error|SQLITE_(FULL|IOERR)/.test(line),
      ),
    ).toBe(true);

    limitFileSize(server.process.pid!, 'unlimited');
    const started = performance.now();
    let recovered: AdminResponse | undefined;
    while (performance.now() - started < 10_000) {
      recovered = await admin(server, 'POST', '/identities', {
        json: { traits: { email: `after-${Math.round(performance.now())}@example.com` } },
      });
      if (recovered.status === 201) {
        break;
      }
      await sleep(200);
    }
    expect(recovered?.status).toBe(201);
    expect(
      (await register(new BrowserClient(), server, 'after@example.com', PASSWORD)).location,
    ).toBe(`${server.publicUrl}/ui/`);
    expect(server.process.exitCode).toBeNull();
  });

  describe('startup against a database that cannot be written', () => {
    let directory: string;
    let file: string;

    beforeEach(async () => {
      directory = mkdtempSync(path.join(tmpdir(), 'gatehouse-readonly-'));
      mkdirSync(path.join(directory, 'data'));
      file = path.join(directory, 'data', 'gatehouse.sqlite');
      const first = await startGatehouse({ dsn: `sqlite://${file}` });
      await register(new BrowserClient(), first, 'existing@example.com', PASSWORD);
      expect(await first.stop()).toBe(0);
    });

    afterEach(() => {
      if (isRoot) {
        execFileSync('chattr', ['-i', file, path.dirname(file)]);
      }
      chmodSync(path.dirname(file), 0o755);
      chmodSync(file, 0o644);
      rmSync(directory, { recursive: true, force: true });
    });

    async function serve() {
      const env = {
        ...TEST_ENV,
        DSN: `sqlite://${file}`,
        SERVE_PUBLIC_HOST: '127.0.0.1',
        SERVE_ADMIN_HOST: '127.0.0.1',
        SERVE_PUBLIC_PORT: String(await freePort()),
        SERVE_ADMIN_PORT: String(await freePort()),
      };
      const started = performance.now();
      const result = await runCli(['serve'], env, directory);

      return { ...result, ms: performance.now() - started };
    }

    it('exits 1 with one clear line when the file and its directory are read-only', async () => {
      // Root writes through file modes, so an immutable attribute stands in for them.
      if (isRoot) {
        execFileSync('chattr', ['+i', file, path.dirname(file)]);
      } else {
        chmodSync(file, 0o444);
        chmodSync(path.dirname(file), 0o555);
      }

      const result = await serve();

      expect(result.code).toBe(1);
      expect(result.ms).toBeLessThan(10_000);
      const lines = result.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^Unable to open the database: .*writable/);
      expect(result.stderr).not.toMatch(/\bat .+\.(js|ts):\d+/);
    });
  });
});
