import { readFileSync } from 'node:fs';

import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';

import { HttpError } from '../common/errors.js';
import { joinUrl } from '../common/url.js';
import { GatehouseConfig } from '../config/gatehouse-config.js';
import { CSRF_COOKIE } from '../self-service/csrf/csrf.service.js';
import { SelfServiceErrorService } from '../self-service/errors/self-service-error.service.js';
import type { FlowKind } from '../self-service/flow/flow-request.repository.js';
import { FlowRequestService, PASSWORD_METHOD } from '../self-service/flow/flow-request.service.js';
import type { Form } from '../self-service/form/form.js';
import { SessionService } from '../session/session.service.js';
import {
  cookiesRequiredPage,
  errorPage,
  homePage,
  loginPage,
  registrationPage,
  type PageLinks,
} from './pages.js';

const STYLESHEET = readFileSync(new URL('./style.css', import.meta.url), 'utf8');

// A request this young was most likely started by the redirect that led here, not by an old link.
const FRESH_REQUEST_MS = 60_000;

/**
 * The built-in pages: a plain-HTML frontend for the browser flows, used when no urls.*_ui
 * is configured. They read flow requests the way an external frontend reads them through
 * the public API, with the browser's cookies, and need no script.
 */
@ApiExcludeController()
@Controller('ui')
export class UiController {
  private readonly links: PageLinks;

  constructor(
    private readonly flows: FlowRequestService,
    private readonly errors: SelfServiceErrorService,
    private readonly sessions: SessionService,
    config: GatehouseConfig,
  ) {
    this.links = {
      home: joinUrl(config.publicUrl, 'ui/'),
      login: joinUrl(config.publicUrl, 'self-service/browser/flows/login'),
      registration: joinUrl(config.publicUrl, 'self-service/browser/flows/registration'),
      logout: joinUrl(config.publicUrl, 'self-service/browser/flows/logout'),
      profile: joinUrl(config.publicUrl, 'self-service/browser/flows/profile'),
      stylesheet: joinUrl(config.publicUrl, 'ui/style.css'),
    };
  }

  @Get()
  async home(@Req() request: Request, @Res() response: Response): Promise<void> {
    const session = await this.sessions.resolve(request, response);
    sendPage(response, homePage(session ? this.sessions.toDto(session) : undefined, this.links));
  }

  @Get('style.css')
  stylesheet(@Res() response: Response): void {
    response.type('text/css').setHeader('Cache-Control', 'public, max-age=3600');
    response.send(STYLESHEET);
  }

  @Get('login')
  async login(
    @Query('request') id: unknown,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const flow = await this.flowOf('login', id, request);
    if (!flow) {
      await this.restart('login', id, request, response);

      return;
    }
    sendPage(response, loginPage(flow.form, this.links, flow.expired));
  }

  @Get('registration')
  async registration(
    @Query('request') id: unknown,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const flow = await this.flowOf('registration', id, request);
    if (!flow) {
      await this.restart('registration', id, request, response);

      return;
    }
    sendPage(response, registrationPage(flow.form, this.links, flow.expired));
  }

  @Get('error')
  async error(
    @Query('error') id: unknown,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const stored = await this.errors
      .get(id, request.csrfSecret, 'public')
      .catch(ignoreClientErrors);
    sendPage(response, errorPage(stored?.errors, this.links));
  }

  /**
   * Sends the browser to start a new flow. A browser that just started this request but sent no
   * CSRF cookie does not keep cookies, and a new flow would bring it back here in a redirect
   * loop, so it gets a page that explains the problem instead.
   */
  private async restart(
    kind: FlowKind,
    id: unknown,
    request: Request,
    response: Response,
  ): Promise<void> {
    const cookieMissing = request.cookies?.[CSRF_COOKIE] === undefined;
    if (cookieMissing) {
      const flow = await this.flows.fetch(kind, id, request, 'admin').catch(ignoreClientErrors);
      if (flow && Date.now() - Date.parse(flow.issued_at) < FRESH_REQUEST_MS) {
        sendPage(response, cookiesRequiredPage(this.links[kind], this.links));

        return;
      }
    }
    response.redirect(302, this.links[kind]);
  }

  /**
   * Returns the password form of a flow request and whether the request expired, or undefined
   * when the request is unknown, foreign or missing.
   */
  private async flowOf(
    kind: FlowKind,
    id: unknown,
    request: Request,
  ): Promise<{ form: Form; expired: boolean } | undefined> {
    if (id === undefined) {
      return undefined;
    }
    const flow = await this.flows.fetch(kind, id, request, 'public').catch(ignoreClientErrors);
    const form = flow?.methods[PASSWORD_METHOD]?.config;

    return flow && form ? { form, expired: Date.parse(flow.expires_at) <= Date.now() } : undefined;
  }
}

/** Treats 4xx errors as "nothing to show", so that stale links start a fresh flow; others propagate. */
function ignoreClientErrors(error: unknown): undefined {
  if (error instanceof HttpError && error.code < 500) {
    return undefined;
  }
  throw error;
}

function sendPage(response: Response, page: string): void {
  response.status(200).type('text/html; charset=utf-8').setHeader('Cache-Control', 'no-store');
  response.send(page);
}
