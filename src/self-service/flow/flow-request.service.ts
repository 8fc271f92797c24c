import { randomUUID } from 'node:crypto';

import { Injectable, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';

import { forbidden, HttpError, resourceNotFound, toHttpError } from '../../common/errors.js';
import type { Listener } from '../../common/listener.js';
import { prefersJson } from '../../common/negotiation.js';
import { joinRequestTarget, joinUrl, withQuery } from '../../common/url.js';
import { isUuid } from '../../common/uuid.js';
import { GatehouseConfig } from '../../config/gatehouse-config.js';
import { translateDatabaseError } from '../../database/prisma-errors.js';
import { SessionService } from '../../session/session.service.js';
import { CsrfService } from '../csrf/csrf.service.js';
import { SelfServiceErrorService } from '../errors/self-service-error.service.js';
import { setCsrfField, type Form } from '../form/form.js';
import { resolveReturnTo } from '../hooks/return-to.js';
import { applyFormError, missingRequestParameter, toFormError } from './flow-errors.js';
import type { LoginRequestDto } from './flow-request.dto.js';
import {
  FlowRequestRepository,
  type FlowKind,
  type FlowRequest,
} from './flow-request.repository.js';

export const PASSWORD_METHOD = 'password';

/** The stored form of a flow request that a failed submission writes its errors into. */
export interface FormFailureTarget {
  /** Id of the request, added to the UI URL of the redirect. */
  id: string;
  form: Form;
  /** Stores the request with its changed form. */
  save: () => Promise<unknown>;
}

/** How one kind of flow differs from the other: lifespan, page and password form. */
export interface FlowSettings {
  kind: FlowKind;
  lifespanMs: number;
  uiUrl: string;
  buildPasswordForm: (action: string) => Promise<Form> | Form;
}

/**
 * Starts, serves and fails login and registration requests; what happens on a successful
 * submission is up to each flow.
 */
@Injectable()
export class FlowRequestService {
  private readonly logger = new Logger(FlowRequestService.name);

  constructor(
    private readonly requests: FlowRequestRepository,
    private readonly csrf: CsrfService,
    private readonly sessions: SessionService,
    private readonly errors: SelfServiceErrorService,
    private readonly config: GatehouseConfig,
  ) {}

  /**
   * Creates a request and redirects the browser to the flow's page with its id. A browser that
   * is signed in already goes to the default return URL; a disallowed return_to goes to the error page.
   */
  async start(settings: FlowSettings, request: Request, response: Response): Promise<void> {
    if (await this.sessions.resolve(request, response)) {
      response.redirect(302, this.config.defaultReturnTo);

      return;
    }
    const requestUrl = joinRequestTarget(this.config.publicUrl, request.originalUrl);
    try {
      resolveReturnTo(
        new URL(requestUrl).searchParams.get('return_to'),
        this.config.defaultReturnTo,
        this.config.whitelistedReturnToDomains,
        this.config.publicUrl,
      );
    } catch (error) {
      await this.errors.redirectToErrorUi(request, response, error);

      return;
    }

    const id = randomUUID();
    const now = Date.now();
    const action = withQuery(
      joinUrl(
        this.config.publicUrl,
        `self-service/browser/flows/${settings.kind}/strategies/password`,
      ),
      { request: id },
    );
    const csrfToken = this.csrf.createToken(request.csrfSecret ?? '');
    const form = await settings.buildPasswordForm(action);
    setCsrfField(form, csrfToken);
    await this.requests.create({
      id,
      kind: settings.kind,
      requestUrl,
      issuedAt: new Date(now),
      expiresAt: new Date(now + settings.lifespanMs),
      active: '',
      csrfToken,
      methods: { [PASSWORD_METHOD]: { method: PASSWORD_METHOD, config: form } },
    });
    response.redirect(302, withQuery(settings.uiUrl, { request: id }));
  }

  /**
   * Returns a request for a page to render. Through the public listener only the browser that
   * started it may read it, and unknown ids get the same 403, so ids cannot be probed.
   *
   * @throws HttpError 403 (public) or 404 (admin).
   */
  async fetch(
    kind: FlowKind,
    id: unknown,
    request: Request,
    listener: Listener,
  ): Promise<LoginRequestDto> {
    const denied = (): HttpError =>
      listener === 'public'
        ? forbidden('A request failed due to a missing or invalid csrf_token value.')
        : resourceNotFound();
    const flow = isUuid(id) ? await this.requests.find(kind, id.toLowerCase()) : undefined;
    if (!flow) {
      throw denied();
    }
    if (listener === 'public' && !this.csrf.verify(request.csrfSecret, flow.csrfToken)) {
      throw denied();
    }

    return toDto(flow);
  }

  /**
   * Loads the request a submission names in its `request` query parameter.
   *
   * @throws HttpError 400 for a missing or malformed id, 404 for an unknown one.
   */
  async load(kind: FlowKind, id: unknown): Promise<FlowRequest> {
    if (!isUuid(id)) {
      throw missingRequestParameter();
    }
    const flow = await this.requests.find(kind, id.toLowerCase());
    if (!flow) {
      throw resourceNotFound();
    }

    return flow;
  }

  /** Minutes since the request expired, or undefined while it is valid. */
  expiredMinutesAgo(flow: Pick<FlowRequest, 'expiresAt'>): number | undefined {
    const overdue = Date.now() - flow.expiresAt.getTime();

    return overdue > 0 ? overdue / 60_000 : undefined;
  }

  /**
   * Handles a failed submission: JSON clients get the error envelope; browsers see form errors
   * on the same request, or the error page for errors a form cannot show. `prepareForm`
   * resets the form and fills in what the person typed, except passwords.
   */
  async fail(
    settings: Pick<FlowSettings, 'uiUrl'>,
    flow: FlowRequest | undefined,
    error: unknown,
    prepareForm: (form: Form) => void,
    request: Request,
    response: Response,
  ): Promise<void> {
    const method = flow?.methods[PASSWORD_METHOD];
    const target =
      flow && method
        ? { id: flow.id, form: method.config, save: () => this.requests.updateMethods(flow) }
        : undefined;
    await this.failOnForm(settings.uiUrl, target, error, prepareForm, request, response);
  }

  /**
   * Handles a failed submission of any flow whose request stores one form, as `fail` does.
   * JSON clients get the error envelope. For browsers the form errors are stored through
   * `target.save` and the browser goes back to `uiUrl`, unless no request was loaded or the
   * form cannot show the error; then the browser goes to the error page.
   */
  async failOnForm(
    uiUrl: string,
    target: FormFailureTarget | undefined,
    error: unknown,
    prepareForm: (form: Form) => void,
    request: Request,
    response: Response,
  ): Promise<void> {
    const translated = translateDatabaseError(error);
    const formError = toFormError(translated);
    if (prefersJson(request)) {
      if (!formError && toHttpError(translated).code >= 500) {
        this.logger.error({ err: error }, 'Self-service flow failed');
      }
      throw formError ? formError.toHttpError() : translated;
    }
    if (!target || !formError) {
      await this.errors.redirectToErrorUi(request, response, translated);

      return;
    }

    prepareForm(target.form);
    setCsrfField(target.form, this.csrf.createToken(request.csrfSecret ?? ''));
    applyFormError(target.form, formError);
    await target.save();
    for (const [name, value] of Object.entries(formError.headers ?? {})) {
      response.setHeader(name, value);
    }
    response.redirect(302, withQuery(uiUrl, { request: target.id }));
  }
}

function toDto(flow: FlowRequest): LoginRequestDto {
  return {
    id: flow.id,
    ...(flow.active ? { active: flow.active } : {}),
    issued_at: flow.issuedAt.toISOString(),
    expires_at: flow.expiresAt.toISOString(),
    request_url: flow.requestUrl,
    methods: flow.methods,
  };
}
