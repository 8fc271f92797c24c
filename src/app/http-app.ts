import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import cookieParser from 'cookie-parser';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { Logger as NestPinoLogger } from 'nestjs-pino';
import { stdSerializers } from 'pino';
import { pinoHttp } from 'pino-http';

import { ErrorEnvelopeFilter } from '../common/error-envelope.filter.js';
import { sendErrorResponse } from '../common/error-response.js';
import type { Listener } from '../common/listener.js';
import { AdminApiModule, PublicApiModule } from './app.modules.js';
import { SessionService } from '../session/session.service.js';
import { WhoamiFastPath, type HeaderList } from '../session/whoami-fast-path.js';
import type { CoreServices } from './core.module.js';
import { assertJsonDepth } from './json-depth.js';

export interface ListenerApp {
  listener: Listener;
  nest: INestApplication;
  express: express.Express;
  /** Serves whoami from the session cache ahead of Express; public listener only. */
  whoami?: WhoamiFastPath;
}

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:/+=-]{1,128}$/;
const QUIET_PATHS = new Set(['/health/alive', '/health/ready']);

/**
 * Builds one listener's application on its own Express instance: request logging with ids,
 * security headers, body parsing with limits, CSRF protection (public only) and the error
 * envelope for everything, including failures before routing.
 */
export async function createListenerApp(
  listener: Listener,
  core: CoreServices,
): Promise<ListenerApp> {
  const { config } = core;
  const instance = express();
  instance.disable('x-powered-by');
  instance.set('etag', false);
  if (listener === 'public' && config.trustedProxies.length > 0) {
    instance.set('trust proxy', config.trustedProxies);
  }

  const rootModule =
    listener === 'public' ? PublicApiModule.forRoot(core) : AdminApiModule.forRoot(core);
  const nest = await NestFactory.create(rootModule, new ExpressAdapter(instance), {
    bodyParser: false,
    bufferLogs: true,
    abortOnError: false,
  });
  nest.useLogger(nest.get(NestPinoLogger));
  nest.useGlobalFilters(new ErrorEnvelopeFilter(core.logger));

  let sessions: SessionService | undefined;
  const security = helmet(securityHeaders(core));
  const recorded = recordHeaders(security);
  // Successful whoami requests are logged at debug level only, so with debug logging on,
  // the fast paths stay off and every request goes through the request logger.
  const fast = listener === 'public' && !core.logger.isLevelEnabled('debug');
  if (fast) {
    nest.use(whoamiFastPath(core, recorded, () => sessions));
  }
  nest.use(requestLogger(core));
  nest.use(security);
  // Responses contain sessions, flow state, identities and Set-Cookie headers, so no cache may
  // keep them. The few cacheable responses, such as the built-in stylesheet, set their own header.
  nest.use((_request: Request, response: Response, next: NextFunction) => {
    response.setHeader('Cache-Control', 'no-store');
    next();
  });
  nest.use(rejectAnnouncedOversizeBody(config.bodyLimit));
  nest.use(
    express.json({
      limit: config.bodyLimit,
      strict: true,
      verify: (_req, _res, buffer) => assertJsonDepth(buffer),
    }),
  );
  nest.use(express.urlencoded({ extended: false, limit: config.bodyLimit, parameterLimit: 1000 }));
  nest.use(cookieParser(config.sessionSecrets));
  if (listener === 'public') {
    nest.use(core.csrf.middleware());
  }
  nest.use((error: unknown, request: Request, response: Response, _next: NextFunction) => {
    sendErrorResponse(error, request, response, core.logger);
  });

  await nest.init();
  if (listener === 'public') {
    sessions = nest.get(SessionService, { strict: false });
  }

  return {
    listener,
    nest,
    express: instance,
    whoami: fast ? new WhoamiFastPath(core, recorded, () => sessions, requestIdOf) : undefined,
  };
}

/**
 * Serves `GET /sessions/whoami` for a valid session without Nest when WhoamiFastPath found
 * no cached session, because API gateways call it on every request they forward. It sets the
 * same headers and cookies as the Nest route and writes the same JSON. A request without a
 * valid session goes on to the Nest route, which responds with the error envelope, clears
 * the cookie and logs as usual. A database error gets its error envelope here.
 */
function whoamiFastPath(
  core: CoreServices,
  securityHeaders: HeaderList,
  sessionService: () => SessionService | undefined,
) {
  const parseCookies = cookieParser(core.config.sessionSecrets);
  const csrf = core.csrf.middleware();
  // Sets what the request logger, helmet and the no-store middleware set on every response.
  const setCommonHeaders = (request: Request, response: Response) => {
    request.id = requestIdOf(request);
    response.setHeader('X-Request-ID', request.id);
    for (const [name, value] of securityHeaders) {
      response.setHeader(name, value);
    }
    response.setHeader('Cache-Control', 'no-store');
  };

  return (request: Request, response: Response, next: NextFunction) => {
    const sessions = sessionService();
    if (!sessions || request.method !== 'GET' || request.path !== '/sessions/whoami') {
      next();

      return;
    }
    parseCookies(request, response, (parseError?: unknown) => {
      if (parseError) {
        next();

        return;
      }
      sessions.peek(request).then(
        (session) => {
          if (!session) {
            next();

            return;
          }
          setCommonHeaders(request, response);
          // Sets the CSRF cookie when the browser has none, as on every public route.
          csrf(request, response, () => undefined);
          const body = JSON.stringify(sessions.toDto(session));
          response.setHeader('Content-Type', 'application/json; charset=utf-8');
          response.setHeader('Content-Length', Buffer.byteLength(body));
          response.end(body);
        },
        (error: unknown) => {
          // Responds here rather than in the Nest route, which would query the unavailable
          // database a second time and make the client wait for two timeouts.
          setCommonHeaders(request, response);
          sendErrorResponse(error, request, response, core.logger);
        },
      );
    });
  };
}

/** Runs a header-setting middleware once on a stand-in response and returns what it set. */
function recordHeaders(
  middleware: (request: Request, response: Response, next: (error?: unknown) => void) => void,
): HeaderList {
  const headers: HeaderList = [];
  const response = {
    setHeader: (name: string, value: string | number | readonly string[]) => {
      headers.push([name, value]);
    },
    removeHeader: () => undefined,
    getHeader: () => undefined,
  };
  middleware({ headers: {} } as Request, response as unknown as Response, () => undefined);

  return headers;
}

function requestIdOf(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];

  return typeof given === 'string' && REQUEST_ID_PATTERN.test(given) ? given : randomUUID();
}

/**
 * Responds with 413 at once when Content-Length announces a body over the limit, and closes the
 * connection. The body parsers would respond only after reading the whole body to its end,
 * which lets a client hold the connection and send data until the request timeout.
 */
function rejectAnnouncedOversizeBody(limit: number) {
  return (request: Request, response: Response, next: NextFunction) => {
    const length = Number(request.headers['content-length']);
    if (Number.isFinite(length) && length > limit) {
      response.setHeader('Connection', 'close');
      next(
        Object.assign(new Error('request entity too large'), {
          status: 413,
          type: 'entity.too.large',
        }),
      );

      return;
    }
    next();
  };
}

function requestLogger(core: CoreServices) {
  return pinoHttp({
    logger: core.logger,
    genReqId: (request: IncomingMessage, response: ServerResponse) => {
      const id = requestIdOf(request);
      response.setHeader('X-Request-ID', id);

      return id;
    },
    autoLogging: { ignore: (request) => QUIET_PATHS.has((request.url ?? '').split('?')[0]) },
    customLogLevel: (_request, response, error) =>
      error || response.statusCode >= 500 ? 'error' : response.statusCode >= 400 ? 'info' : 'debug',
    // Only these fields are logged: no headers, query strings or client addresses, so no
    // cookies, tokens or personal data.
    serializers: {
      req: (request: { id: unknown; method: string; url: string }) => ({
        id: request.id,
        method: request.method,
        path: request.url.split('?')[0],
      }),
      res: (response: { statusCode: number }) => ({ statusCode: response.statusCode }),
      // pino-http attaches a made-up error with its own stack to every 5xx; the status is enough.
      err: (error: Error) =>
        error.message.startsWith('failed with status code') ? undefined : stdSerializers.err(error),
    },
  });
}

/**
 * Headers for an API that also serves plain-HTML pages: no framing (frame-ancestors 'none'
 * and X-Frame-Options DENY), no sniffing, no referrer leaks, and a content security policy
 * that allows the built-in pages' own stylesheet and form posts only to the configured
 * Gatehouse and frontend origins.
 */
function securityHeaders(core: CoreServices): Parameters<typeof helmet>[0] {
  const { config } = core;
  const origins = new Set(
    [
      config.publicUrl,
      config.loginUi,
      config.registrationUi,
      config.profileUi,
      config.errorUi,
      config.defaultReturnTo,
      config.logoutRedirectTo,
    ]
      .map((url) => new URL(url).origin)
      .concat(config.whitelistedReturnToDomains.map((url) => url.origin)),
  );

  return {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'none'"],
        'style-src': ["'self'"],
        'img-src': ["'self'"],
        'form-action': ["'self'", ...origins],
        'frame-ancestors': ["'none'"],
        'base-uri': ["'none'"],
      },
    },
    crossOriginResourcePolicy: { policy: 'same-site' },
    referrerPolicy: { policy: 'no-referrer' },
    xFrameOptions: { action: 'deny' },
    strictTransportSecurity: config.publicUrlIsHttps ? { maxAge: 31_536_000 } : false,
  };
}
