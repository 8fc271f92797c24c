import { startGatehouse, type TestServer } from '../support/gatehouse.js';

describe('metrics endpoint', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startGatehouse();
  });

  afterAll(async () => {
    await server.stop();
  });

  it('serves process metrics on admin', async () => {
    const response = await fetch(`${server.adminUrl}/metrics`);
    const body = await response.text();

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(body).toMatch(/^# TYPE gatehouse_process_cpu_seconds_total counter$/m);
    expect(body).toMatch(/^gatehouse_nodejs_eventloop_lag_seconds \d/m);
  });

  it('is not served on public', async () => {
    const response = await fetch(`${server.publicUrl}/metrics`);

    expect(response.status).toBe(404);
    const body = (await response.json()) as { error: { code: number } };
    expect(body.error.code).toBe(404);
  });
});
