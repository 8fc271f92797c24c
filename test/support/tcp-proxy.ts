import { connect, createServer, type Server, type Socket } from 'node:net';

import { freePort } from './gatehouse.js';

/**
 * A TCP proxy on 127.0.0.1 in front of a server, such as PostgreSQL, that a test can cut and
 * restore to simulate an outage without touching the server itself.
 */
export class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private mode: 'forward' | 'blackhole' = 'forward';

  private constructor(
    readonly port: number,
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  static async start(targetHost: string, targetPort: number): Promise<TcpProxy> {
    const proxy = new TcpProxy(await freePort(), targetHost, targetPort);
    await proxy.listen();

    return proxy;
  }

  /** Closes every connection and refuses new ones, as a stopped server would. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.destroyConnections();
    if (server) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  /**
   * Closes every connection, then accepts new ones but never forwards their data, like a
   * host behind a firewall that drops packets.
   */
  async blackhole(): Promise<void> {
    this.mode = 'blackhole';
    this.destroyConnections();
    if (!this.server) {
      await this.listen();
    }
  }

  /** Forwards connections again. */
  async restore(): Promise<void> {
    this.mode = 'forward';
    this.destroyConnections();
    if (!this.server) {
      await this.listen();
    }
  }

  async stop(): Promise<void> {
    await this.cut();
  }

  private listen(): Promise<void> {
    const server = createServer((client) => this.accept(client));
    this.server = server;

    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
  }

  private accept(client: Socket): void {
    this.track(client);
    if (this.mode === 'blackhole') {
      return;
    }
    const upstream = connect(this.targetPort, this.targetHost);
    this.track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.sockets.delete(socket));
  }

  private destroyConnections(): void {
    for (const socket of this.sockets) {
      socket.destroy();
    }
    this.sockets.clear();
  }
}
