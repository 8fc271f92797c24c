import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * The process's Prometheus registry: Node.js process metrics (CPU, memory, event loop lag,
 * handles) under the `gatehouse_` prefix, served on the admin listener at /metrics.
 */
export class Metrics {
  readonly registry = new Registry();

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'gatehouse_' });
  }
}
