import { pino, type Logger } from 'pino';

import type { GatehouseConfig } from '../config/gatehouse-config.js';

/**
 * Paths that must never reach a log line, whatever is logged: cookies, credentials, CSRF
 * tokens and request bodies. Request and response serialisers already leave these out; the
 * redaction is the second line of defence.
 */
export const REDACTED_PATHS = [
  'req.headers.cookie',
  'req.headers.authorization',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  'headers.cookie',
  'headers.authorization',
  'body',
  'req.body',
  'password',
  '*.password',
  'csrf_token',
  '*.csrf_token',
];

/** Creates the process logger: JSON lines, or readable text when log.format is text. */
export function createLogger(config: Pick<GatehouseConfig, 'logLevel' | 'logFormat'>): Logger {
  return pino({
    level: config.logLevel,
    base: { service: 'gatehouse' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    ...(config.logFormat === 'text'
      ? {
          transport: {
            target: 'pino-pretty',
            options: { colorize: false, translateTime: 'SYS:standard' },
          },
        }
      : {}),
  });
}
