import { connect, type Socket } from 'node:net';

import { databaseKinds } from '../support/databases.js';
import { dropTestDatabases, startGatehouse, type TestServer } from '../support/gatehouse.js';

const BODY_LIMIT = 4096;
const HEADERS_TIMEOUT_MS = 1000;
const REQUEST_TIMEOUT_MS = 2000;

interface RawResult {
  /** Everything the server sent before it closed the connection or the deadline passed. */
  text: string;
  status?: number;
  /** Milliseconds from connecting until the server closed the connection, if it did. */
  closedAfterMs?: number;
}

/**
 * Talks HTTP over a raw socket to 127.0.0.1: writes `head` at once, then each of `trickle`
 * `intervalMs` apart, until the server closes the connection or `deadlineMs` passes.
 */
function raw(
  port: number,
  head: string | Buffer,
  options: { trickle?: (string | Buffer)[]; intervalMs?: number; deadlineMs?: number } = {},
): Promise<RawResult> {
  const { trickle = [], intervalMs = 100, deadlineMs = 5000 } = options;

  return new Promise((resolve, reject) => {
    const started = Date.now();
    const chunks: Buffer[] = [];
    const socket: Socket = connect({ host: '127.0.0.1', port });
    let timer: NodeJS.Timeout | undefined;
    const finish = (closed: boolean) => {
      clearInterval(timer);
      clearTimeout(deadline);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const status = /^HTTP\/1\.1 (\d{3})/.exec(text)?.[1];
      resolve({
        text,
        status: status ? Number(status) : undefined,
        closedAfterMs: closed ? Date.now() - started : undefined,
      });
    };
    const deadline = setTimeout(() => finish(false), deadlineMs);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('close', () => finish(true));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') {
        finish(true);
      } else {
        reject(error);
      }
    });
    socket.on('connect', () => {
      socket.write(head);
      const queue = [...trickle];
      timer = setInterval(() => {
        const next = queue.shift();
        if (next === undefined) {
          clearInterval(timer);
        } else if (socket.writable) {
          socket.write(next);
        }
      }, intervalMs);
    });
  });
}

function bodyOf(result: RawResult): any {
  const body = result.text.slice(result.text.indexOf('\r\n\r\n') + 4);

  return JSON.parse(body);
}

describe.each(databaseKinds())('request limits on %s', (database) => {
  let server: TestServer;
  let publicPort: number;
  let adminPort: number;

  beforeAll(async () => {
    server = await startGatehouse({
      database,
      config: {
        serve: {
          body_limit: BODY_LIMIT,
          headers_timeout: `${HEADERS_TIMEOUT_MS}ms`,
          request_timeout: `${REQUEST_TIMEOUT_MS}ms`,
        },
      },
    });
    publicPort = Number(new URL(server.publicUrl).port);
    adminPort = Number(new URL(server.adminUrl).port);
  });

  afterAll(async () => {
    await server.stop();
    await dropTestDatabases();
  });

  afterEach(async () => {
    // Whatever a case sent, the process keeps serving.
    expect((await fetch(`${server.publicUrl}/health/alive`)).status).toBe(200);
    expect(server.process.exitCode).toBeNull();
  });

  const post = (path: string, type: string, body: string | Buffer, extra = '') =>
    Buffer.concat([
      Buffer.from(
        `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nAccept: application/json\r\nConnection: close\r\n${extra}\r\n`,
      ),
      Buffer.from(body),
    ]);

  it.each([
    ['admin JSON', () => adminPort, '/identities', 'application/json'],
    [
      'public JSON',
      () => publicPort,
      '/self-service/browser/flows/login/strategies/password',
      'application/json',
    ],
    [
      'public form',
      () => publicPort,
      '/self-service/browser/flows/registration/strategies/password',
      'application/x-www-form-urlencoded',
    ],
  ])('answers a %s body over the limit with 413', async (_name, port, path, type) => {
    const body =
      type === 'application/json'
        ? JSON.stringify({ traits: { email: 'a'.repeat(BODY_LIMIT) } })
        : `traits.email=${'a'.repeat(BODY_LIMIT)}`;
    const result = await raw(port(), post(path, type, body));
    expect(result.status).toBe(413);
    expect(bodyOf(result).error).toMatchObject({ code: 413 });
  });

  it('answers 413 at once when Content-Length announces too much', async () => {
    const head = `POST /identities HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${BODY_LIMIT * 1000}\r\nConnection: close\r\n\r\n{`;
    const result = await raw(adminPort, head, { deadlineMs: 1500 });
    expect(result.status).toBe(413);
  });

  it('answers 413 to a chunked body that grows over the limit', async () => {
    const chunk = `${'a'.repeat(1000)}`;
    const head = `POST /identities HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`;
    const trickle = Array.from({ length: 8 }, () => `${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    trickle.push('0\r\n\r\n');
    const result = await raw(adminPort, head, { trickle, intervalMs: 10 });
    expect(result.status).toBe(413);
  });

  it('rejects JSON nested deeper than the limit with 400, and accepts the limit itself', async () => {
    const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
    const deep = await raw(adminPort, post('/identities', 'application/json', nested(33)));
    expect(deep.status).toBe(400);
    expect(JSON.stringify(bodyOf(deep))).toMatch(/nest/i);
    const deepest = await raw(
      adminPort,
      post('/identities', 'application/json', `{"traits":${nested(31)}}`),
    );
    expect(deepest.status).toBe(400);
    expect(JSON.stringify(bodyOf(deepest))).not.toMatch(/nest/i);
    // Far deeper than any parser's stack allows, within the size limit.
    const hostile = await raw(adminPort, post('/identities', 'application/json', nested(2000)));
    expect(hostile.status).toBe(400);
  });

  it('answers 431 to headers over the size limit', async () => {
    const head = `GET /health/alive HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ${'a'.repeat(20_000)}\r\n\r\n`;
    const large = await raw(publicPort, head);
    expect(large.status).toBe(431);
    expect(bodyOf(large).error).toMatchObject({
      code: 431,
      status: 'Request Header Fields Too Large',
    });
    const many = Array.from({ length: 1000 }, (_, index) => `X-H${index}: ${'b'.repeat(20)}\r\n`);
    const result = await raw(
      adminPort,
      `GET /health/alive HTTP/1.1\r\nHost: x\r\n${many.join('')}\r\n`,
    );
    expect(result.status).toBe(431);
  });

  it('answers HEAD with oversized headers in several packets with 431 and no body', async () => {
    const result = await raw(
      publicPort,
      `HEAD /health/alive HTTP/1.1\r\nHost: x\r\nX: ${'a'.repeat(8000)}`,
      {
        trickle: [`${'b'.repeat(20_000)}\r\n\r\n`],
        intervalMs: 50,
      },
    );
    expect(result.status).toBe(431);
    expect(result.text).toMatch(/\r\nContent-Length: 0\r\n\r\n$/);
  });

  it('cuts off a client that trickles its headers', async () => {
    const trickle = Array.from({ length: 100 }, (_, index) => `X-Slow-${index}: 1\r\n`);
    const result = await raw(publicPort, 'GET /health/alive HTTP/1.1\r\nHost: 127.0.0.1\r\n', {
      trickle,
      intervalMs: 100,
      deadlineMs: 8000,
    });
    expect(result.closedAfterMs).toBeDefined();
    expect(result.closedAfterMs).toBeLessThan(HEADERS_TIMEOUT_MS + 2500);
    expect(result.status).toBe(408);
    expect(bodyOf(result).error).toMatchObject({ code: 408 });
  });

  it('cuts off a client that trickles its body', async () => {
    const head = `POST /identities HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"traits":{"email":"`;
    const trickle = Array.from({ length: 100 }, () => 'a');
    const result = await raw(adminPort, head, { trickle, intervalMs: 100, deadlineMs: 10_000 });
    expect(result.closedAfterMs).toBeDefined();
    expect(result.closedAfterMs).toBeLessThan(REQUEST_TIMEOUT_MS + 2500);
    expect(result.status).toBe(408);
    expect(bodyOf(result).error).toMatchObject({ code: 408 });
  });

  it('answers garbage that is not HTTP with 400 in the envelope', async () => {
    const result = await raw(publicPort, 'HELLO\u0000WORLD\r\n\r\n');
    expect(result.status).toBe(400);
    expect(bodyOf(result).error).toMatchObject({ code: 400 });
  });

  it('cuts off a connection that sends nothing', async () => {
    const result = await raw(publicPort, '', { deadlineMs: 8000 });
    expect(result.closedAfterMs).toBeDefined();
    expect(result.closedAfterMs).toBeLessThan(HEADERS_TIMEOUT_MS + 2500);
  });
});
