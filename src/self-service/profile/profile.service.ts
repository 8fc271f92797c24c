import { randomUUID } from 'node:crypto';

import { Injectable, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';

import { badRequest, forbidden, resourceNotFound } from '../../common/errors.js';
import type { Listener } from '../../common/listener.js';
import { joinRequestTarget, joinUrl, withQuery } from '../../common/url.js';
import { isUuid } from '../../common/uuid.js';
import { GatehouseConfig } from '../../config/gatehouse-config.js';
import {
  IdentifierTakenError,
  IdentityRepository,
  type Identity,
  type Traits,
} from '../../identity/identity.repository.js';
import { DEFAULT_SCHEMA_ID, IdentityService } from '../../identity/identity.service.js';
import { listSchemaLeaves, type SchemaLeaf } from '../../identity/traits-schema.leaves.js';
import { TraitsSchemaRegistry } from '../../identity/traits-schema.registry.js';
import { SessionService } from '../../session/session.service.js';
import { CsrfService } from '../csrf/csrf.service.js';
import { SelfServiceErrorService } from '../errors/self-service-error.service.js';
import { FlowFormError } from '../flow/flow-errors.js';
import { FlowRequestService, type FormFailureTarget } from '../flow/flow-request.service.js';
import { readFormBody } from '../form/form-body.js';
import { isForeignKeyViolation } from '../../database/prisma-errors.js';
import { CSRF_FIELD, setCsrfField, sortFields, type Form } from '../form/form.js';
import { decodeTraits, fieldOrder, setTraitValues } from '../form/traits-form.js';
import { messages } from '../messages.js';
import { profileFields, withUneditableTraits } from './profile-form.js';
import type { ProfileManagementRequestDto } from './profile.dto.js';
import { ProfileRequestRepository, type ProfileRequest } from './profile-request.repository.js';

const INIT_PATH = 'self-service/browser/flows/profile';
const UPDATE_PATH = 'self-service/browser/flows/profile/update';
const LOGIN_PATH = 'self-service/browser/flows/login';

/**
 * The profile management flow: a signed-in person gets a form with their traits, and a
 * submission replaces the traits after checking them against the identity's schema. A changed
 * identifier trait changes the login identifier in the same transaction.
 */
@Injectable()
export class ProfileService {
  private readonly logger = new Logger(ProfileService.name);
  private readonly leavesBySchema = new Map<string, SchemaLeaf[]>();

  constructor(
    private readonly requests: ProfileRequestRepository,
    private readonly flows: FlowRequestService,
    private readonly identities: IdentityRepository,
    private readonly identityService: IdentityService,
    private readonly schemas: TraitsSchemaRegistry,
    private readonly sessions: SessionService,
    private readonly csrf: CsrfService,
    private readonly errors: SelfServiceErrorService,
    private readonly config: GatehouseConfig,
  ) {}

  /**
   * Creates a profile request for the signed-in identity and redirects to the profile page. A
   * browser without a session starts the login flow, which returns here after login.
   */
  async start(request: Request, response: Response): Promise<void> {
    const session = await this.sessions.resolve(request, response);
    if (!session) {
      response.redirect(302, this.loginThenProfileUrl());

      return;
    }
    try {
      const id = randomUUID();
      const now = Date.now();
      const form = await this.buildForm(id, session.identity, session.identity.traits, request);
      await this.requests.create({
        id,
        identityId: session.identity.id,
        requestUrl: joinRequestTarget(this.config.publicUrl, request.originalUrl),
        issuedAt: new Date(now),
        expiresAt: new Date(now + this.config.profileLifespanMs),
        form,
        updateSuccessful: false,
      });
      response.redirect(302, withQuery(this.config.profileUi, { request: id }));
    } catch (error) {
      if (isForeignKeyViolation(error)) {
        // The identity was deleted after its session was read, so respond as if the deletion came first.
        response.redirect(302, this.loginThenProfileUrl());

        return;
      }
      await this.errors.redirectToErrorUi(request, response, error);
    }
  }

  /**
   * Returns a profile request for a page to render. Through the public listener only the
   * identity that owns it may read it, and the form gets a fresh CSRF token for the calling
   * browser. A browser without a session is redirected to the login page, and the result is
   * undefined. The admin listener serves any request, with the token issued to the browser
   * that last used it.
   *
   * @throws HttpError 403 (public) for unknown and foreign requests alike, 404 (admin) for unknown ones.
   */
  async fetch(
    id: unknown,
    listener: Listener,
    request: Request,
    response: Response,
  ): Promise<ProfileManagementRequestDto | undefined> {
    if (listener === 'admin') {
      const profile = isUuid(id) ? await this.requests.find(id.toLowerCase()) : undefined;
      const identity = profile && (await this.identities.findById(profile.identityId));
      if (!profile || !identity) {
        throw resourceNotFound();
      }
      if (!profile.form.fields.some((field) => field.name === CSRF_FIELD)) {
        setCsrfField(profile.form, '');
      }

      return this.toDto(profile, identity);
    }

    const session = await this.sessions.resolve(request, response);
    if (!session) {
      response.redirect(302, this.config.loginUi);

      return undefined;
    }
    const profile = isUuid(id) ? await this.requests.find(id.toLowerCase()) : undefined;
    if (!profile || profile.identityId !== session.identity.id) {
      throw accessDenied();
    }
    setCsrfField(profile.form, this.csrf.createToken(request.csrfSecret ?? ''));

    return this.toDto(profile, session.identity);
  }

  /**
   * Replaces the signed-in identity's traits with a submission. Success marks the request as
   * updated; failures store their errors and the submitted values on the request. Either way
   * the browser returns to the profile page with the same request. Requests of another identity,
   * unknown requests and browsers without a session change nothing.
   */
  async submit(request: Request, response: Response): Promise<void> {
    const session = await this.sessions.resolve(request, response);
    if (!session) {
      response.redirect(302, this.config.loginUi);

      return;
    }
    const identity = session.identity;
    let target: FormFailureTarget | undefined;
    let leaves: SchemaLeaf[] | undefined;
    let shownTraits: Traits = identity.traits;
    try {
      const profile = await this.load(request.query.request, identity.id);
      target = this.failureTarget(profile);
      leaves = await this.leavesOf(identity.traitsSchemaId);
      const expired = this.flows.expiredMinutesAgo(profile);
      if (expired !== undefined) {
        throw FlowFormError.onForm(messages.requestExpired('profile', expired));
      }
      const traits = this.decode(readFormBody(request), identity, leaves);
      shownTraits = traits;
      await this.store(identity, traits);

      profile.form = await this.buildForm(profile.id, identity, traits, request);
      profile.updateSuccessful = true;
      await this.requests.update(profile);
      response.redirect(302, withQuery(this.config.profileUi, { request: profile.id }));
    } catch (error) {
      if (error instanceof IdentityGoneError) {
        // The identity was deleted after its session was read, so respond as if the deletion came first.
        response.redirect(302, this.config.loginUi);

        return;
      }
      await this.flows.failOnForm(
        this.config.profileUi,
        target,
        error,
        (form) => this.refill(form, leaves, shownTraits),
        request,
        response,
      );
    }
  }

  /**
   * Loads the request a submission names and checks that it belongs to the identity.
   *
   * @throws HttpError 400 for a missing or malformed id, 404 for an unknown one, 403 for a
   *   request of another identity.
   */
  private async load(id: unknown, identityId: string): Promise<ProfileRequest> {
    if (!isUuid(id)) {
      throw badRequest('The request query parameter is missing or invalid.');
    }
    const profile = await this.requests.find(id.toLowerCase());
    if (!profile) {
      throw resourceNotFound();
    }
    if (profile.identityId !== identityId) {
      throw forbidden(
        'The request was made for another identity and has been blocked for security reasons.',
      );
    }

    return profile;
  }

  /**
   * Reads the new traits from a body. A `traits` object replaces every stored trait; form
   * fields (`traits.<path>`) replace the traits the form shows and keep the others.
   *
   * @throws FlowFormError when the body carries no traits at all.
   */
  private decode(body: Record<string, unknown>, identity: Identity, leaves: SchemaLeaf[]): Traits {
    if (body.traits !== undefined && !isPlainObject(body.traits)) {
      throw badRequest('The traits must be a JSON object.');
    }
    const hasFields = Object.keys(body).some((name) => name.startsWith('traits.'));
    if (body.traits === undefined && !hasFields) {
      throw FlowFormError.onForm(messages.noChanges());
    }
    const traits = decodeTraits(body, leaves);

    return body.traits === undefined
      ? withUneditableTraits(identity.traits, traits, leaves)
      : traits;
  }

  /**
   * Validates and stores new traits, with the login identifiers they declare, in one transaction.
   *
   * @throws TraitsInvalidError, or FlowFormError when an identifier belongs to someone else or
   *   the traits would leave the identity without any login identifier.
   */
  private async store(identity: Identity, traits: Traits): Promise<void> {
    // NOTE: a valid session is enough to change a login identifier; there is no check that the
    // person signed in recently, so a stolen session cookie can take over the account's email.
    const identifiers = await this.identityService.checkTraits(identity.traitsSchemaId, traits);
    const current = await this.identities.findPasswordIdentifiers(identity.id);
    if (identifiers.length === 0 && current.length > 0) {
      throw FlowFormError.onForm(messages.identifierRequired());
    }
    let updated: boolean;
    try {
      updated = await this.identities.update({ ...identity, traits }, identifiers);
    } catch (error) {
      throw error instanceof IdentifierTakenError
        ? FlowFormError.onForm(messages.identifierExists())
        : error;
    }
    if (!updated) {
      throw new IdentityGoneError();
    }
    const identifiersChanged =
      current.length !== identifiers.length ||
      current.some((value) => !identifiers.includes(value));
    this.logger.log({ identityId: identity.id, identifiersChanged }, 'Profile updated');
  }

  /** Stores a failed submission's errors on the request and marks it as not updated. */
  private failureTarget(profile: ProfileRequest): FormFailureTarget {
    return {
      id: profile.id,
      form: profile.form,
      save: () => {
        profile.updateSuccessful = false;

        return this.requests.update(profile);
      },
    };
  }

  /** Resets a failed form to show the given traits; errors and the CSRF token follow. */
  private refill(form: Form, leaves: SchemaLeaf[] | undefined, traits: Traits): void {
    delete form.errors;
    if (leaves) {
      form.fields = profileFields(leaves, traits);
      sortFields(form, fieldOrder(leaves));
    } else {
      form.fields = [];
      setTraitValues(form, traits);
    }
  }

  private async buildForm(
    id: string,
    identity: Identity,
    traits: Traits,
    request: Request,
  ): Promise<Form> {
    const leaves = await this.leavesOf(identity.traitsSchemaId);
    const form: Form = {
      action: withQuery(joinUrl(this.config.publicUrl, UPDATE_PATH), { request: id }),
      method: 'POST',
      fields: profileFields(leaves, traits),
    };
    setCsrfField(form, this.csrf.createToken(request.csrfSecret ?? ''));
    sortFields(form, fieldOrder(leaves));

    return form;
  }

  private async leavesOf(schemaId: string): Promise<SchemaLeaf[]> {
    const id = schemaId || DEFAULT_SCHEMA_ID;
    let leaves = this.leavesBySchema.get(id);
    if (!leaves) {
      leaves = listSchemaLeaves((await this.schemas.get(id)).document);
      this.leavesBySchema.set(id, leaves);
    }

    return leaves;
  }

  private toDto(profile: ProfileRequest, identity: Identity): ProfileManagementRequestDto {
    return {
      id: profile.id,
      issued_at: profile.issuedAt.toISOString(),
      expires_at: profile.expiresAt.toISOString(),
      request_url: profile.requestUrl,
      identity: this.identityService.toDto(identity),
      form: profile.form,
      update_successful: profile.updateSuccessful,
    };
  }

  /**
   * Builds the login flow's start URL with a return_to that comes back to profile management.
   * NOTE: the return works only while the login redirect hook has allow_user_defined_redirect
   * set, as the built-in hooks do; otherwise login ends at the hook's default URL.
   */
  private loginThenProfileUrl(): string {
    return withQuery(joinUrl(this.config.publicUrl, LOGIN_PATH), {
      return_to: joinUrl(this.config.publicUrl, INIT_PATH),
    });
  }
}

/** Raised when the identity of a submission's session was deleted while the request ran. */
class IdentityGoneError extends Error {}

/** Builds the 403 for unknown and foreign requests alike, so that request ids cannot be probed. */
function accessDenied() {
  return forbidden(
    'Access privileges are missing, invalid, or not sufficient to access this endpoint.',
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
