import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// Runs `npm run bench -- --smoke` (bench/run.mjs): tiny durations, SQLite only, a small seed.
// It asserts only that the benchmark runs and reports every scenario; the figures themselves
// mean nothing at these durations.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const SCENARIOS = [
  'baseline: bare node:http whoami',
  'whoami, valid session',
  'whoami, no cookie',
  '/health/alive',
  'login',
  'registration',
  'GET /identities first page, 200 stored',
  'GET /identities first page, 1k stored',
  'whoami during 5 concurrent logins',
  'logins in the storm (5 concurrent)',
];

function runSmoke(output: string): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [path.join(ROOT, 'bench/run.mjs'), '--smoke', `--output=${output}`],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.resume();
    child.once('exit', (code) => resolve({ code, stdout }));
  });
}

describe('npm run bench -- --smoke', () => {
  const directory = mkdtempSync(path.join(tmpdir(), 'gatehouse-bench-smoke-'));

  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('runs and reports every scenario with its figures', async () => {
    const output = path.join(directory, 'smoke.json');

    const { code, stdout } = await runSmoke(output);

    expect(code).toBe(0);
    const report = JSON.parse(readFileSync(output, 'utf8'));
    expect(report.mode).toBe('smoke');
    expect(report.runs).toHaveLength(1);
    const [run] = report.runs;
    expect(run.kind).toBe('sqlite');
    expect(run.scenarios.map((scenario: { name: string }) => scenario.name)).toEqual(
      expect.arrayContaining(SCENARIOS),
    );
    for (const scenario of run.scenarios) {
      expect(scenario).toEqual(
        expect.objectContaining({
          rps: expect.any(Number),
          p50: expect.any(Number),
          p99: expect.any(Number),
          errors: 0,
          peakRssMb: expect.any(Number),
        }),
      );
      expect(scenario.requests).toBeGreaterThan(0);
      expect(stdout).toContain(scenario.name);
    }
    expect(run.targets.length).toBeGreaterThan(0);
    expect(run.readyMs).toBeGreaterThan(0);
  }, 90_000);
});
