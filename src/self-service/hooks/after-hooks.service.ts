import { Injectable, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';

import type { HookConfig } from '../../config/config.types.js';
import { GatehouseConfig } from '../../config/gatehouse-config.js';
import type { Identity } from '../../identity/identity.repository.js';
import { SessionService } from '../../session/session.service.js';
import { resolveReturnTo, returnToOf } from './return-to.js';

/**
 * Runs the hooks configured after a successful login or registration, in their order:
 * `revoke_active_sessions` deletes the identity's sessions, `session` signs the browser in and
 * `redirect` chooses where the browser goes. Without a redirect the response is an empty 200.
 */
@Injectable()
export class AfterHooksService {
  private readonly logger = new Logger(AfterHooksService.name);

  constructor(
    private readonly sessions: SessionService,
    private readonly config: GatehouseConfig,
  ) {}

  async run(
    hooks: HookConfig[],
    identity: Identity,
    requestUrl: string,
    request: Request,
    response: Response,
  ): Promise<void> {
    let target: string | undefined;
    for (const hook of hooks) {
      switch (hook.job) {
        case 'revoke_active_sessions':
          await this.sessions.revokeAll(identity.id);
          break;
        case 'session':
          await this.sessions.issue(identity, request, response);
          break;
        case 'redirect':
          target = this.redirectTarget(hook, requestUrl);
          break;
      }
    }

    if (target) {
      response.redirect(302, target);
    } else {
      response.status(200).end();
    }
  }

  /**
   * The return_to of the flow's start URL when the hook allows it and it is still on the
   * allow list, else the hook's default. The allow list was checked when the flow started,
   * so a failure here means the configuration changed since; the default is used then.
   */
  private redirectTarget(hook: HookConfig, requestUrl: string): string {
    const fallback = hook.config?.default_redirect_url ?? this.config.defaultReturnTo;
    if (!hook.config?.allow_user_defined_redirect) {
      return fallback;
    }
    try {
      return resolveReturnTo(
        returnToOf(requestUrl),
        fallback,
        this.config.whitelistedReturnToDomains,
        this.config.publicUrl,
      );
    } catch (error) {
      this.logger.warn({ err: error }, 'Ignoring a return_to that is no longer allowed');

      return fallback;
    }
  }
}
