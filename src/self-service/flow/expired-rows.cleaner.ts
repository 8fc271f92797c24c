import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';

import { SessionRepository } from '../../session/session.repository.js';
import { LoginThrottle } from '../login/login-throttle.js';
import { ProfileRequestRepository } from '../profile/profile-request.repository.js';
import { FlowRequestRepository } from './flow-request.repository.js';

const INTERVAL_MS = 10 * 60_000;
// Expired requests stay a day, so that pages can still say that a request expired.
const REQUEST_RETENTION_MS = 24 * 3600_000;

/** Deletes expired sessions, old flow requests and ended login throttle windows every ten minutes. */
@Injectable()
export class ExpiredRowsCleaner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ExpiredRowsCleaner.name);
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly sessions: SessionRepository,
    private readonly requests: FlowRequestRepository,
    private readonly profileRequests: ProfileRequestRepository,
    private readonly throttle: LoginThrottle,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.clean(), INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async clean(): Promise<void> {
    const now = Date.now();
    try {
      const sessions = await this.sessions.deleteExpired(new Date(now));
      const requests = await this.requests.deleteExpired(new Date(now - REQUEST_RETENTION_MS));
      const profileRequests = await this.profileRequests.deleteExpired(
        new Date(now - REQUEST_RETENTION_MS),
      );
      const throttleWindows = await this.throttle.deleteExpired(new Date(now));
      this.logger.debug(
        { sessions, requests, profileRequests, throttleWindows },
        'Deleted expired sessions, flow requests and login throttle windows',
      );
    } catch (error) {
      this.logger.warn(
        { err: error },
        'Deleting expired sessions and flow requests failed; retrying at the next interval',
      );
    }
  }
}
