#!/usr/bin/env node
// Gatehouse benchmark: `npm run bench` (full, about 4 minutes) or `npm run bench -- --smoke`
// (a few seconds, SQLite only, small seed). `--database=sqlite|postgresql` runs one kind
// only; `--output=FILE` writes the JSON there instead of bench/results/. Starts the built server on 127.0.0.1 with its
// own databases, drives load from child processes, prints a table and writes JSON under
// bench/results/. See BENCHMARKS.md.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import argon2 from 'argon2';
import Sqlite from 'better-sqlite3';
import pg from 'pg';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const ENTRY = path.join(ROOT, 'bin/gatehouse.js');
const LOAD = path.join(ROOT, 'bench/load.mjs');
const BASELINE = path.join(ROOT, 'bench/baseline-server.mjs');
const RESULTS = path.join(ROOT, 'bench/results');
const POSTGRESQL_URL =
  process.env.GATEHOUSE_BENCH_POSTGRESQL_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const smoke = process.argv.includes('--smoke');
const only = process.argv.find((arg) => arg.startsWith('--database='))?.slice('--database='.length);
const SECRET = `bench-${randomBytes(16).toString('hex')}`;
const COOKIE = 'ory_kratos_session';
const PASSWORD = `Bench-${randomBytes(9).toString('base64url')}-pass`;
const settings = smoke
  ? {
      databases: ['sqlite'],
      httpS: 0.5,
      connections: 4,
      flowCount: 2,
      stormS: 1,
      stormLogins: 5,
      seedSmall: 200,
      seedLarge: 1000,
      argon2: { memory: 4096, iterations: 1, parallelism: 1 },
      argon2Samples: 2,
    }
  : {
      databases: ['sqlite', 'postgresql'],
      httpS: 8,
      connections: 10,
      flowCount: 24,
      stormS: 8,
      stormLogins: 50,
      seedSmall: 10_000,
      seedLarge: 100_000,
      argon2: { memory: 65536, iterations: 3, parallelism: 1 },
      argon2Samples: 8,
    };
const PAGE_SIZE = 100;

const log = (line) => process.stderr.write(`${line}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);

  return sorted[Math.floor((sorted.length - 1) / 2)];
};

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function rssMb(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);

    return Number.isFinite(kb) ? kb / 1024 : null;
  } catch {
    return null;
  }
}

/** Samples a process's RSS every 50 ms until stopped; returns the peak in MB. */
function watchRss(pid) {
  let peak = rssMb(pid) ?? 0;
  const timer = setInterval(() => {
    peak = Math.max(peak, rssMb(pid) ?? 0);
  }, 50);

  return () => {
    clearInterval(timer);

    return Math.round(Math.max(peak, rssMb(pid) ?? 0));
  };
}

/** Runs bench/load.mjs with a job and returns its JSON result. */
function runLoad(job) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [LOAD, JSON.stringify(job)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(output)) : reject(new Error(`load child exited ${code}`)),
    );
  });
}

// ---------------------------------------------------------------- databases

async function withAdmin(work) {
  const client = new pg.Client({ connectionString: POSTGRESQL_URL, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function createDatabase(kind, directory) {
  if (kind === 'sqlite') {
    return { dsn: `sqlite://${path.join(directory, 'bench.sqlite')}`, drop: async () => {} };
  }
  const name = `gatehouse_bench_${randomBytes(6).toString('hex')}`;
  await withAdmin((client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(POSTGRESQL_URL);
  url.pathname = `/${name}`;

  return {
    dsn: url.toString(),
    drop: () =>
      withAdmin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)),
  };
}

/** Adds identities with bulk inserts until the table holds `total`. */
async function seedIdentities(kind, dsn, total) {
  if (kind === 'sqlite') {
    const db = new Sqlite(dsn.replace(/^sqlite:\/\//, ''));
    db.pragma('busy_timeout = 5000');
    const { count } = db.prepare('SELECT COUNT(*) AS count FROM identities').get();
    db.prepare(
      `WITH RECURSIVE n(i) AS (SELECT ? UNION ALL SELECT i + 1 FROM n WHERE i < ?)
       INSERT INTO identities (id, traits_schema_id, traits, created_at, updated_at)
       SELECT printf('00000000-0000-4000-8000-%012d', i), 'default',
              json_object('email', 'seed-' || i || '@example.org'),
              (SELECT MIN(created_at) FROM identities), (SELECT MIN(created_at) FROM identities)
       FROM n`,
    ).run(count + 1, total);
    db.close();

    return;
  }
  const client = new pg.Client({ connectionString: dsn });
  await client.connect();
  const { rows } = await client.query('SELECT COUNT(*)::int AS count FROM identities');
  await client.query(
    `INSERT INTO identities (id, traits_schema_id, traits, created_at, updated_at)
     SELECT '00000000-0000-4000-8000-' || lpad(i::text, 12, '0'), 'default',
            jsonb_build_object('email', 'seed-' || i || '@example.org'),
            now() - interval '1 day' + i * interval '1 millisecond', now()
     FROM generate_series($1::int, $2::int) AS i`,
    [rows[0].count + 1, total],
  );
  await client.query('ANALYZE identities');
  await client.end();
}

// ---------------------------------------------------------------- processes

async function startGatehouse(kind, dsn, directory) {
  const [publicPort, adminPort] = [await freePort(), await freePort()];
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DSN: dsn,
    SECRETS_SESSION: SECRET,
    LOG_LEVEL: 'warn',
    SERVE_PUBLIC_HOST: '127.0.0.1',
    SERVE_ADMIN_HOST: '127.0.0.1',
    SERVE_PUBLIC_PORT: String(publicPort),
    SERVE_ADMIN_PORT: String(adminPort),
    URLS_SELF_PUBLIC: `http://127.0.0.1:${publicPort}/`,
    URLS_SELF_ADMIN: `http://127.0.0.1:${adminPort}/`,
    HASHERS_ARGON2_MEMORY: String(settings.argon2.memory),
    HASHERS_ARGON2_ITERATIONS: String(settings.argon2.iterations),
    HASHERS_ARGON2_PARALLELISM: String(settings.argon2.parallelism),
  };
  const args = [ENTRY, 'serve', ...(kind === 'postgresql' ? ['--migrate'] : [])];
  const began = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: directory,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = [];
  child.stdout.on('data', (chunk) => output.length < 200 && output.push(String(chunk)));
  child.stderr.on('data', (chunk) => output.length < 200 && output.push(String(chunk)));
  const publicUrl = `http://127.0.0.1:${publicPort}`;
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`Gatehouse exited with ${child.exitCode}:\n${output.join('')}`);
    }
    try {
      const response = await fetch(`${publicUrl}/health/ready`);
      if (response.status === 200) {
        break;
      }
    } catch {
      // not listening yet
    }
    if (performance.now() - began > 30_000) {
      child.kill('SIGKILL');
      throw new Error(`Gatehouse was not ready within 30 s:\n${output.join('')}`);
    }
    await sleep(10);
  }
  const readyMs = Math.round(performance.now() - began);

  return {
    pid: child.pid,
    publicUrl,
    adminUrl,
    readyMs,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', resolve);
        child.kill('SIGTERM');
      }),
  };
}

async function startBaseline(dsn, publicUrl) {
  const child = spawn(process.execPath, [BASELINE], {
    env: {
      PATH: process.env.PATH,
      BASELINE_DSN: dsn,
      BASELINE_SECRET: SECRET,
      BASELINE_COOKIE: COOKIE,
      BASELINE_PUBLIC_URL: publicUrl,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise((resolve, reject) => {
    child.stdout.once('data', (chunk) => resolve(JSON.parse(String(chunk)).port));
    child.once('exit', (code) => reject(new Error(`baseline server exited ${code}`)));
  });

  return {
    pid: child.pid,
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', resolve);
        child.kill('SIGTERM');
      }),
  };
}

/** Registers a benchmark user through the browser flow and returns its session cookie. */
async function registerUser(server) {
  const email = `bench-user-${randomBytes(4).toString('hex')}@example.org`;
  const start = await fetch(`${server.publicUrl}/self-service/browser/flows/registration`, {
    redirect: 'manual',
  });
  const request = new URL(start.headers.get('location')).searchParams.get('request');
  const cookie = start.headers
    .getSetCookie()
    .map((line) => line.split(';')[0])
    .join('; ');
  const info = await (
    await fetch(
      `${server.adminUrl}/self-service/browser/flows/requests/registration?request=${request}`,
    )
  ).json();
  const form = info.methods.password.config;
  const csrf = form.fields.find((field) => field.name === 'csrf_token').value;
  const response = await fetch(form.action, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: new URLSearchParams({ csrf_token: csrf, 'traits.email': email, password: PASSWORD }),
  });
  const session = response.headers
    .getSetCookie()
    .map((line) => line.split(';')[0])
    .find((line) => line.startsWith(`${COOKIE}=`));
  if (!session) {
    throw new Error(`registering the benchmark user returned status ${response.status}`);
  }

  return { email, cookie: session };
}

// ---------------------------------------------------------------- measurements

async function http(name, pid, job) {
  const stop = watchRss(pid);
  const result = await runLoad({
    type: 'http',
    connections: settings.connections,
    durationS: settings.httpS,
    ...job,
  });

  return { name, ...result, peakRssMb: stop() };
}

async function flows(name, pid, job) {
  const stop = watchRss(pid);
  const result = await runLoad({ type: 'flows', cookieName: COOKIE, password: PASSWORD, ...job });

  return { name, ...result, peakRssMb: stop() };
}

async function argon2Baseline() {
  const options = {
    type: argon2.argon2id,
    memoryCost: settings.argon2.memory,
    timeCost: settings.argon2.iterations,
    parallelism: settings.argon2.parallelism,
    hashLength: 32,
  };
  const hashes = [];
  const verifies = [];
  let hash;
  for (let i = 0; i < settings.argon2Samples; i += 1) {
    let began = performance.now();
    hash = await argon2.hash(PASSWORD, { ...options, salt: randomBytes(16) });
    hashes.push(performance.now() - began);
    began = performance.now();
    await argon2.verify(hash, PASSWORD);
    verifies.push(performance.now() - began);
  }

  return { hashMs: median(hashes), verifyMs: median(verifies) };
}

async function benchDatabase(kind, argonTimes) {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'gatehouse-bench-'));
  const database = await createDatabase(kind, directory);
  const scenarios = [];
  let server;
  try {
    server = await startGatehouse(kind, database.dsn, directory);
    await sleep(smoke ? 200 : 1500);
    const idleRssMb = Math.round(rssMb(server.pid) ?? 0);
    log(`[${kind}] ready in ${server.readyMs} ms, idle RSS ${idleRssMb} MB`);
    const user = await registerUser(server);
    const whoamiJob = {
      url: `${server.publicUrl}/sessions/whoami`,
      headers: { cookie: user.cookie },
      expectStatus: 200,
    };

    const baseline = await startBaseline(database.dsn, server.publicUrl);
    try {
      log(`[${kind}] baseline whoami`);
      scenarios.push(
        await http('baseline: bare node:http whoami', baseline.pid, {
          ...whoamiJob,
          url: `${baseline.url}/sessions/whoami`,
        }),
      );
    } finally {
      await baseline.stop();
    }
    log(`[${kind}] whoami`);
    scenarios.push(await http('whoami, valid session', server.pid, whoamiJob));
    scenarios.push(
      await http('whoami, no cookie', server.pid, { url: whoamiJob.url, expectStatus: 401 }),
    );
    scenarios.push(
      await http('/health/alive', server.pid, {
        url: `${server.publicUrl}/health/alive`,
        expectStatus: 200,
      }),
    );

    log(`[${kind}] login and registration`);
    const flowBase = {
      publicUrl: server.publicUrl,
      adminUrl: server.adminUrl,
      concurrency: 1,
      count: settings.flowCount,
      argon2: settings.argon2,
    };
    scenarios.push(
      await flows('login', server.pid, { ...flowBase, kind: 'login', identifier: user.email }),
    );
    scenarios.push(await flows('registration', server.pid, { ...flowBase, kind: 'registration' }));

    const pageUrl = `${server.adminUrl}/identities?page=1&per_page=${PAGE_SIZE}`;
    for (const total of [settings.seedSmall, settings.seedLarge]) {
      log(`[${kind}] seeding ${total} identities`);
      await seedIdentities(kind, database.dsn, total);
      const label = total >= 1000 ? `${total / 1000}k` : String(total);
      scenarios.push(
        await http(`GET /identities first page, ${label} stored`, server.pid, {
          url: pageUrl,
          expectStatus: 200,
        }),
      );
      const middle = Math.max(1, Math.floor(total / PAGE_SIZE / 2));
      scenarios.push(
        await http(`GET /identities page ${middle}, ${label} stored`, server.pid, {
          url: `${server.adminUrl}/identities?page=${middle}&per_page=${PAGE_SIZE}`,
          expectStatus: 200,
        }),
      );
    }

    log(`[${kind}] whoami during ${settings.stormLogins} concurrent logins`);
    // One person each: the failed-login throttle counts attempts in flight per identifier,
    // so 50 concurrent logins of one account would be throttled rather than hashed.
    const stormUsers = await Promise.all(
      Array.from({ length: settings.stormLogins }, () => registerUser(server)),
    );
    const rssBeforeStormMb = Math.round(rssMb(server.pid) ?? 0);
    const stop = watchRss(server.pid);
    const storm = runLoad({
      type: 'flows',
      kind: 'login',
      cookieName: COOKIE,
      password: PASSWORD,
      identifiers: stormUsers.map((stormUser) => stormUser.email),
      publicUrl: server.publicUrl,
      adminUrl: server.adminUrl,
      concurrency: settings.stormLogins,
      durationS: settings.stormS + 1,
    });
    await sleep(500);
    const whoamiDuringStorm = await runLoad({
      type: 'http',
      connections: settings.connections,
      durationS: settings.stormS,
      ...whoamiJob,
    });
    const logins = await storm;
    const peak = stop();
    scenarios.push({
      name: `whoami during ${settings.stormLogins} concurrent logins`,
      ...whoamiDuringStorm,
      peakRssMb: peak,
      rssBeforeMb: rssBeforeStormMb,
    });
    scenarios.push({
      name: `logins in the storm (${settings.stormLogins} concurrent)`,
      ...logins,
      peakRssMb: peak,
    });

    return { kind, readyMs: server.readyMs, idleRssMb, argon2: argonTimes, scenarios };
  } finally {
    await server?.stop();
    await database.drop();
    rmSync(directory, { recursive: true, force: true });
  }
}

async function postgresqlReachable() {
  try {
    await withAdmin((client) => client.query('SELECT 1'));

    return true;
  } catch (error) {
    log(
      `PostgreSQL at ${new URL(POSTGRESQL_URL).host} is unreachable (${error.message}); skipping the PostgreSQL scenarios.`,
    );

    return false;
  }
}

// ---------------------------------------------------------------- targets and output

function find(run, prefix) {
  return run.scenarios.find((scenario) => scenario.name.startsWith(prefix));
}

function meets(value, op, limit) {
  if (op === '>=') {
    return value >= limit;
  }
  if (op === '<') {
    return value < limit;
  }

  return value <= limit;
}

function targets(run, hashMemoryMb) {
  const base = find(run, 'baseline');
  const whoami = find(run, 'whoami, valid');
  const login = find(run, 'login');
  const registration = find(run, 'registration');
  const storm = find(run, 'whoami during');
  const pages = run.scenarios.filter((scenario) =>
    scenario.name.startsWith('GET /identities first'),
  );
  const hashLimit = hashMemoryMb;
  const list = [
    ['whoami req/s >= 0.75 x baseline', whoami.rps / base.rps, 0.75, '>='],
    ['whoami p99 <= 2 x baseline p99', whoami.p99 / Math.max(base.p99, 1), 2, '<='],
    ['login median <= 1.15 x one verify', login.p50 / login.argon2P50, 1.15, '<='],
    [
      'registration median <= 1.25 x one hash',
      registration.p50 / registration.argon2P50,
      1.25,
      '<=',
    ],
    ['whoami p99 during login storm < 20 ms', storm.p99, 20, '<'],
    [
      'RSS growth in storm (MB) <= max_concurrent x memory + 64 MB',
      storm.peakRssMb - storm.rssBeforeMb,
      Math.round(hashLimit),
      '<=',
    ],
    [
      'page of 100k <= 1.5 x page of 10k (p50)',
      pages[1].p50 / Math.max(pages[0].p50, 0.5),
      1.5,
      '<=',
    ],
    ['whoami errors = 0', whoami.errors + storm.errors, 0, '<='],
  ];
  if (run.kind === 'sqlite') {
    list.push(['ready within 2000 ms of start', run.readyMs, 2000, '<=']);
  }
  list.push(['idle RSS < 150 MB', run.idleRssMb, 150, '<']);

  return list.map(([name, value, limit, op]) => ({
    name,
    value: Math.round(value * 100) / 100,
    limit,
    met: meets(value, op, limit),
  }));
}

function table(run) {
  const rows = [['scenario', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'peak RSS MB']];
  for (const s of run.scenarios) {
    rows.push([
      s.argon2P50 ? `${s.name} (one argon2id: ${s.argon2P50.toFixed(1)} ms)` : s.name,
      s.rps.toFixed(1),
      String(s.p50?.toFixed?.(1) ?? s.p50),
      String(s.p99?.toFixed?.(1) ?? s.p99),
      String(s.errors),
      String(s.peakRssMb),
    ]);
  }
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));

  return rows
    .map((row) =>
      row
        .map((cell, column) =>
          column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]),
        )
        .join('  '),
    )
    .join('\n');
}

const began = Date.now();
const argonTimes = await argon2Baseline();
log(
  `argon2id m=${settings.argon2.memory} t=${settings.argon2.iterations} p=${settings.argon2.parallelism}: hash ${argonTimes.hashMs.toFixed(1)} ms, verify ${argonTimes.verifyMs.toFixed(1)} ms`,
);
const maxConcurrent = Number(
  process.env.BENCH_MAX_CONCURRENT ?? Math.max(1, os.availableParallelism() - 1),
);
const runs = [];
for (const kind of settings.databases.filter((name) => !only || name === only)) {
  if (kind === 'postgresql' && !(await postgresqlReachable())) {
    runs.push({ kind, skipped: 'PostgreSQL unreachable' });
    continue;
  }
  const run = await benchDatabase(kind, argonTimes);
  run.targets = targets(run, maxConcurrent * (settings.argon2.memory / 1024) + 64);
  runs.push(run);
}

const report = {
  date: new Date().toISOString(),
  mode: smoke ? 'smoke' : 'full',
  machine: {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.type()} ${os.release()}`,
    loadAverage: os.loadavg().map((value) => Math.round(value * 100) / 100),
  },
  settings,
  durationS: Math.round((Date.now() - began) / 1000),
  runs,
};
for (const run of runs) {
  console.log(`\n== ${run.kind}${run.skipped ? `: skipped (${run.skipped})` : ''}`);
  if (run.skipped) {
    continue;
  }
  console.log(
    `ready in ${run.readyMs} ms, idle RSS ${run.idleRssMb} MB; argon2id hash ${argonTimes.hashMs.toFixed(1)} ms, verify ${argonTimes.verifyMs.toFixed(1)} ms`,
  );
  console.log(table(run));
  for (const target of run.targets) {
    console.log(
      `  ${target.met ? 'met    ' : 'NOT MET'}  ${target.name}: ${target.value} (limit ${target.limit})`,
    );
  }
}
const output = process.argv.find((arg) => arg.startsWith('--output='))?.slice('--output='.length);
mkdirSync(RESULTS, { recursive: true });
const file = output
  ? path.resolve(output)
  : path.join(RESULTS, `${report.mode}-${report.date.replace(/[:.]/g, '-')}.json`);
writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
if (!output) {
  writeFileSync(
    path.join(RESULTS, `latest-${report.mode}.json`),
    `${JSON.stringify(report, null, 2)}\n`,
  );
}
console.log(
  `\nWrote ${path.relative(ROOT, file)} in ${report.durationS} s (load average ${report.machine.loadAverage.join(', ')})`,
);
