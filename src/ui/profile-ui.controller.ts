import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';

import { HttpError } from '../common/errors.js';
import { GatehouseConfig } from '../config/gatehouse-config.js';
import { ProfileService } from '../self-service/profile/profile.service.js';
import { SessionService } from '../session/session.service.js';
import { pageLinks } from './page-links.js';
import type { PageLinks } from './pages.js';
import { profilePage } from './profile-page.js';

/**
 * The built-in profile page. It reads the profile request the way an external frontend reads
 * it through the public API, with the browser's cookies.
 */
@ApiExcludeController()
@Controller('ui')
export class ProfileUiController {
  private readonly links: PageLinks;

  constructor(
    private readonly profile: ProfileService,
    private readonly sessions: SessionService,
    config: GatehouseConfig,
  ) {
    this.links = pageLinks(config);
  }

  /**
   * Shows the form of a profile request. Without a session, or for a missing, unknown or
   * foreign request, the browser starts profile management again, which logs it in first when
   * needed.
   */
  @Get('profile')
  async showProfile(
    @Query('request') id: unknown,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const session = await this.sessions.resolve(request, response);
    const profile =
      session && id !== undefined
        ? await this.profile.fetch(id, 'public', request, response).catch(ignoreClientErrors)
        : undefined;
    if (!profile) {
      response.redirect(302, this.links.profile);

      return;
    }
    response.status(200).type('text/html; charset=utf-8').setHeader('Cache-Control', 'no-store');
    response.send(profilePage(profile, this.links));
  }
}

/** Treats 4xx errors as "nothing to show", so that stale links start a fresh flow. */
function ignoreClientErrors(error: unknown): undefined {
  if (error instanceof HttpError && error.code < 500) {
    return undefined;
  }
  throw error;
}
