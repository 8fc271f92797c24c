import { request as httpRequest } from 'node:http';

import { dropTestDatabases, startGatehouse, type TestServer } from '../support/gatehouse.js';
import { errorEnvelopeValidator } from './openapi-fuzz.js';

// Cases that test/fuzz/openapi.fuzz.spec.ts found, replayed as they were sent.

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function send(base: string, method: string, path: string): Promise<Answer> {
  const url = new URL(base);

  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      { host: url.hostname, port: url.port, method, path, headers: { accept: 'application/json' } },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
        );
      },
    );
    outgoing.on('error', reject);
    outgoing.end();
  });
}

describe('fuzzing regressions', () => {
  let server: TestServer;
  const checkEnvelope = errorEnvelopeValidator();

  beforeAll(async () => {
    server = await startGatehouse();
  });

  afterAll(async () => {
    await server.stop();
    await dropTestDatabases();
  });

  it('answers a query string over the header limit with 431 in the envelope', async () => {
    // Seed 20261204, GET /health/alive on public: Node.js answered 431 with no body at all.
    const answer = await send(
      server.publicUrl,
      'GET',
      `/health/alive?request=a732848c-58c3-4383-b61e-867812fd7d48&request=%F0%9F%81%91&${'a'.repeat(20_000)}`,
    );
    expect(answer.status).toBe(431);
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    const body = JSON.parse(answer.body);
    expect(checkEnvelope(body)).toBeUndefined();
    expect(body.error.code).toBe(431);
  });

  it('answers HEAD over the header limit with 431 and no body', async () => {
    // Seed 20261206, HEAD /health/ready on public: the 431 carried a body that HEAD forbids,
    // and the client failed with "Data after Connection: close".
    const answer = await send(server.publicUrl, 'HEAD', `/health/ready?=${'%00'.repeat(6000)}`);
    expect(answer.status).toBe(431);
    expect(answer.body).toBe('');
  });

  it('keeps serving after both', async () => {
    expect((await send(server.adminUrl, 'GET', '/health/alive')).status).toBe(200);
  });
});
