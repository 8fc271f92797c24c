import { randomUUID } from 'node:crypto';

import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';

import { internalError } from '../../common/errors.js';
import { GatehouseConfig } from '../../config/gatehouse-config.js';
import {
  IdentifierTakenError,
  IdentityRepository,
  type Traits,
} from '../../identity/identity.repository.js';
import {
  DEFAULT_SCHEMA_ID,
  IdentityService,
  TraitsInvalidError,
} from '../../identity/identity.service.js';
import { listSchemaLeaves, type SchemaLeaf } from '../../identity/traits-schema.leaves.js';
import { TraitsSchemaRegistry } from '../../identity/traits-schema.registry.js';
import { SessionService } from '../../session/session.service.js';
import { FlowFormError, toFormError } from '../flow/flow-errors.js';
import { FlowRequestService, type FlowSettings } from '../flow/flow-request.service.js';
import type { FlowRequest } from '../flow/flow-request.repository.js';
import { firstString, readFormBody } from '../form/form-body.js';
import { resetForm, sortFields, type Form, type FormMessage } from '../form/form.js';
import { decodeTraits, fieldOrder, fieldsFromSchema, setTraitValues } from '../form/traits-form.js';
import { AfterHooksService } from '../hooks/after-hooks.service.js';
import { messages } from '../messages.js';
import { PasswordHasher } from '../password/password-hasher.js';
import { checkPasswordPolicy } from '../password/password-policy.js';

@Injectable()
export class RegistrationService {
  readonly settings: FlowSettings;
  private leaves: SchemaLeaf[] | undefined;

  constructor(
    private readonly flows: FlowRequestService,
    private readonly identities: IdentityRepository,
    private readonly identityService: IdentityService,
    private readonly schemas: TraitsSchemaRegistry,
    private readonly sessions: SessionService,
    private readonly hasher: PasswordHasher,
    private readonly hooks: AfterHooksService,
    private readonly config: GatehouseConfig,
  ) {
    this.settings = {
      kind: 'registration',
      lifespanMs: config.registrationLifespanMs,
      uiUrl: config.registrationUi,
      buildPasswordForm: (action) => this.buildForm(action),
    };
  }

  start(request: Request, response: Response): Promise<void> {
    return this.flows.start(this.settings, request, response);
  }

  /**
   * Creates an identity with a password from the registration form. Success runs the
   * registration hooks; failures return the browser to the registration page with what the
   * person typed, except the password.
   */
  async submit(request: Request, response: Response): Promise<void> {
    if (await this.sessions.resolve(request, response)) {
      response.redirect(302, this.config.defaultReturnTo);

      return;
    }
    let flow: FlowRequest | undefined;
    let traits: Traits = {};
    try {
      flow = await this.flows.load('registration', request.query.request);
      const body = readFormBody(request);
      traits = decodeTraits(body, await this.defaultLeaves());
      await this.register(flow, traits, firstString(body.password), request, response);
    } catch (error) {
      await this.flows.fail(
        this.settings,
        flow,
        error,
        (form) => this.refill(form, traits),
        request,
        response,
      );
    }
  }

  private async register(
    flow: FlowRequest,
    traits: Traits,
    password: string,
    request: Request,
    response: Response,
  ): Promise<void> {
    const expired = this.flows.expiredMinutesAgo(flow);
    if (expired !== undefined) {
      throw FlowFormError.onForm(messages.requestExpired('registration', expired));
    }
    const identifiers = await this.checkSubmission(traits, password);
    const hashedPassword = await this.hasher.hash(password);
    const identity = { id: randomUUID(), traitsSchemaId: DEFAULT_SCHEMA_ID, traits };
    try {
      await this.identities.create(identity, identifiers, hashedPassword);
    } catch (error) {
      throw error instanceof IdentifierTakenError
        ? FlowFormError.onForm(messages.identifierExists())
        : error;
    }
    await this.hooks.run(
      this.config.registrationAfterHooks,
      identity,
      flow.requestUrl,
      request,
      response,
    );
  }

  /** Checks traits and password together, so that the form shows every problem at once. */
  private async checkSubmission(traits: Traits, password: string): Promise<string[]> {
    const fieldErrors: { field: string; error: FormMessage }[] = [];
    const formErrors: FormMessage[] = [];
    let identifiers: string[] = [];
    try {
      identifiers = await this.identityService.checkTraits(DEFAULT_SCHEMA_ID, traits);
    } catch (error) {
      if (!(error instanceof TraitsInvalidError)) {
        throw error;
      }
      const traitsError = toFormError(error);
      formErrors.push(...(traitsError?.formErrors ?? []));
      fieldErrors.push(...(traitsError?.fieldErrors ?? []));
    }
    if (password === '') {
      fieldErrors.push({ field: 'password', error: messages.fieldRequired('password') });
    } else if (formErrors.length === 0 && fieldErrors.length === 0) {
      if (identifiers.length === 0) {
        throw internalError(
          'No login identifiers (e.g. email, phone number, username) were set. Contact an administrator, the identity schema is misconfigured.',
        );
      }
      const reason = checkPasswordPolicy(password, identifiers);
      if (reason) {
        fieldErrors.push({ field: 'password', error: messages.passwordPolicy(reason) });
      }
    }
    if (formErrors.length > 0 || fieldErrors.length > 0) {
      throw new FlowFormError(formErrors, fieldErrors);
    }

    return identifiers;
  }

  private async buildForm(action: string): Promise<Form> {
    const leaves = await this.defaultLeaves();
    const form: Form = {
      action,
      method: 'POST',
      fields: [{ name: 'password', type: 'password', required: true }, ...fieldsFromSchema(leaves)],
    };
    sortFields(form, fieldOrder(leaves));

    return form;
  }

  private refill(form: Form, traits: Traits): void {
    resetForm(form);
    setTraitValues(form, traits);
  }

  private async defaultLeaves(): Promise<SchemaLeaf[]> {
    this.leaves ??= listSchemaLeaves((await this.schemas.get(DEFAULT_SCHEMA_ID)).document);

    return this.leaves;
  }
}
