// Load generator, run by bench/run.mjs in a child process so that the client does not share
// an event loop with the orchestrator. Reads one job as JSON from argv[2] and prints the
// result as one JSON line.
//   { "type": "http", url, headers, connections, durationS, expectStatus }  — autocannon
//   { "type": "flows", kind: "login"|"registration", publicUrl, adminUrl, count?, durationS?,
//     concurrency, identifier?, identifiers?, password }                    — browser flows
// With identifiers, worker n logs in as identifiers[n % length], as many people would.
import { randomBytes } from 'node:crypto';

import argon2 from 'argon2';
import autocannon from 'autocannon';

const job = JSON.parse(process.argv[2]);
const trace = process.env.BENCH_TRACE === '1';

function percentile(sorted, p) {
  if (sorted.length === 0) {
    return null;
  }

  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function http() {
  const result = await autocannon({
    url: job.url,
    headers: job.headers ?? {},
    connections: job.connections,
    duration: job.durationS,
    pipelining: 1,
  });
  const unexpected = Object.entries(result.statusCodeStats ?? {})
    .filter(([code]) => Number(code) !== job.expectStatus)
    .reduce((sum, [, stats]) => sum + stats.count, 0);

  return {
    requests: result.requests.total,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + unexpected,
  };
}

function cookiesOf(response) {
  return response.headers.getSetCookie().map((line) => line.split(';')[0]);
}

// One login or registration as a browser does it; returns the latency of the form post.
async function flow(index, identifier) {
  const start = await fetch(`${job.publicUrl}/self-service/browser/flows/${job.kind}`, {
    redirect: 'manual',
  });
  const request = new URL(start.headers.get('location')).searchParams.get('request');
  const cookie = cookiesOf(start).join('; ');
  const requestInfo = await fetch(
    `${job.adminUrl}/self-service/browser/flows/requests/${job.kind}?request=${request}`,
  );
  const form = (await requestInfo.json()).methods.password.config;
  const csrf = form.fields.find((field) => field.name === 'csrf_token').value;
  const fields =
    job.kind === 'login'
      ? { csrf_token: csrf, identifier, password: job.password }
      : {
          csrf_token: csrf,
          'traits.email': `bench-${index}-${randomBytes(6).toString('hex')}@example.org`,
          password: job.password,
        };
  const began = performance.now();
  const response = await fetch(form.action, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: new URLSearchParams(fields).toString(),
  });
  await response.arrayBuffer();
  const latency = performance.now() - began;
  const ok =
    response.status === 302 && cookiesOf(response).some((line) => line.startsWith(job.cookieName));

  return { latency, ok };
}

// Times one argon2id hash (registration) or verify (login) with the server's parameters, in
// this process, right before each flow: a baseline paired with each sample, so that machine
// load drifting during the run affects both alike.
async function argon2Sample() {
  const options = {
    type: argon2.argon2id,
    memoryCost: job.argon2.memory,
    timeCost: job.argon2.iterations,
    parallelism: job.argon2.parallelism,
    salt: randomBytes(16),
    hashLength: 32,
  };
  if (job.kind === 'registration') {
    const began = performance.now();
    await argon2.hash(job.password, options);

    return performance.now() - began;
  }
  referenceHash ??= await argon2.hash(job.password, options);
  const began = performance.now();
  await argon2.verify(referenceHash, job.password);

  return performance.now() - began;
}
let referenceHash;

async function flows() {
  const latencies = [];
  const baselines = [];
  let errors = 0;
  let started = 0;
  const deadline = job.durationS ? Date.now() + job.durationS * 1000 : Infinity;
  const began = Date.now();
  const more = () => (job.count ? started < job.count : Date.now() < deadline);
  const worker = async (_, number) => {
    const identifier = job.identifiers
      ? job.identifiers[number % job.identifiers.length]
      : job.identifier;
    while (more()) {
      const index = started++;
      if (job.argon2) {
        baselines.push(await argon2Sample());
      }
      try {
        const { latency, ok } = await flow(index, identifier);
        latencies.push(latency);
        if (trace) {
          process.stderr.write(
            `${job.kind} ${latency.toFixed(1)} argon2 ${baselines.at(-1)?.toFixed(1)}\n`,
          );
        }
        if (!ok) {
          errors += 1;
        }
      } catch {
        errors += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, worker));
  latencies.sort((a, b) => a - b);
  baselines.sort((a, b) => a - b);
  const seconds = (Date.now() - began) / 1000;

  return {
    requests: latencies.length,
    rps: latencies.length / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    errors,
    ...(job.argon2 ? { argon2P50: percentile(baselines, 50) } : {}),
  };
}

const result = job.type === 'http' ? await http() : await flows();
process.stdout.write(`${JSON.stringify(result)}\n`);
