import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';

import { GatehouseConfig } from '../../config/gatehouse-config.js';
import { IdentityRepository } from '../../identity/identity.repository.js';
import { SessionService } from '../../session/session.service.js';
import { FlowFormError } from '../flow/flow-errors.js';
import { FlowRequestService, type FlowSettings } from '../flow/flow-request.service.js';
import type { FlowRequest } from '../flow/flow-request.repository.js';
import { firstString, readFormBody } from '../form/form-body.js';
import { resetForm, setFieldValue, type Form } from '../form/form.js';
import { AfterHooksService } from '../hooks/after-hooks.service.js';
import { messages } from '../messages.js';
import { PasswordHasher } from '../password/password-hasher.js';
import { LoginThrottle } from './login-throttle.js';

// Longer identifiers cannot be stored, so they are rejected without a database lookup.
const MAX_IDENTIFIER_LENGTH = 320;

@Injectable()
export class LoginService {
  readonly settings: FlowSettings;

  constructor(
    private readonly flows: FlowRequestService,
    private readonly identities: IdentityRepository,
    private readonly sessions: SessionService,
    private readonly hasher: PasswordHasher,
    private readonly hooks: AfterHooksService,
    private readonly throttle: LoginThrottle,
    private readonly config: GatehouseConfig,
  ) {
    this.settings = {
      kind: 'login',
      lifespanMs: config.loginLifespanMs,
      uiUrl: config.loginUi,
      buildPasswordForm: (action) => ({
        action,
        method: 'POST',
        fields: [
          { name: 'identifier', type: 'text', required: true },
          { name: 'password', type: 'password', required: true },
        ],
      }),
    };
  }

  start(request: Request, response: Response): Promise<void> {
    return this.flows.start(this.settings, request, response);
  }

  /**
   * Checks an identifier and password. Success runs the login hooks; any failure returns the
   * browser to the login page with the same message whether the identifier exists or not.
   */
  async submit(request: Request, response: Response): Promise<void> {
    if (await this.sessions.resolve(request, response)) {
      response.redirect(302, this.config.defaultReturnTo);

      return;
    }
    let flow: FlowRequest | undefined;
    let identifier = '';
    try {
      flow = await this.flows.load('login', request.query.request);
      const body = readFormBody(request);
      identifier = firstString(body.identifier).trim();
      const password = firstString(body.password);
      await this.authenticate(flow, identifier, password, request, response);
    } catch (error) {
      await this.flows.fail(
        this.settings,
        flow,
        error,
        (form) => this.refill(form, identifier),
        request,
        response,
      );
    }
  }

  private async authenticate(
    flow: FlowRequest,
    identifier: string,
    password: string,
    request: Request,
    response: Response,
  ): Promise<void> {
    if (identifier === '') {
      throw FlowFormError.onField('identifier', messages.fieldRequired('identifier'));
    }
    if (password === '') {
      throw FlowFormError.onField('password', messages.fieldRequired('password'));
    }
    const expired = this.flows.expiredMinutesAgo(flow);
    // NOTE: ORY Kratos v0.1 sends an expired login to the error page. Here it goes on the form,
    // as for registration, so that the login page can offer a new request.
    if (expired !== undefined) {
      throw FlowFormError.onForm(messages.requestExpired('login', expired));
    }

    const normalized = identifier.toLowerCase();
    const address = request.ip ?? '';
    await this.throttle.attempt(normalized, address);
    const credentials =
      normalized.length <= MAX_IDENTIFIER_LENGTH
        ? await this.identities.findPasswordCredentials(normalized)
        : undefined;
    const valid = credentials?.hashedPassword
      ? await this.hasher.verify(credentials.hashedPassword, password)
      : await this.hasher.verifyDummy(password);
    if (!valid || !credentials) {
      throw FlowFormError.onForm(messages.credentialsInvalid());
    }

    await this.throttle.succeeded(normalized, address);
    await this.hooks.run(
      this.config.loginAfterHooks,
      credentials.identity,
      flow.requestUrl,
      request,
      response,
    );
  }

  private refill(form: Form, identifier: string): void {
    resetForm(form);
    setFieldValue(form, 'identifier', identifier);
  }
}
