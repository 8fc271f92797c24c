import { Controller, Get, HttpException, Logger, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import type { Response } from 'express';

import { ApiErrorResponses } from '../common/api-responses.js';
import { Database } from '../database/database.js';
import { HealthNotReadyStatusDto, HealthStatusDto } from './health.dto.js';
import { Lifecycle } from './lifecycle.js';

// Kept under a probe's usual one-second timeout, so that a slow database reads as not ready.
const DATABASE_CHECK_TIMEOUT_MS = 800;

@ApiTags('health')
@Controller('health')
export class HealthController {
  private readonly logger = new Logger(HealthController.name);

  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly database: Database,
    private readonly lifecycle: Lifecycle,
  ) {}

  @Get('alive')
  @ApiOperation({
    operationId: 'isInstanceAlive',
    summary: 'Check alive status',
    description:
      'Returns 200 while the HTTP server is up, without checking dependencies such as the database. With several replicas it describes this instance only.',
  })
  @ApiResponse({ status: 200, description: 'healthStatus', type: HealthStatusDto })
  @ApiErrorResponses(500)
  isInstanceAlive(): HealthStatusDto {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({
    operationId: 'isInstanceReady',
    summary: 'Check readiness status',
    description:
      'Returns 200 when the HTTP server is up and the database answers, and 503 naming the failing dependency otherwise, or while the process shuts down. With several replicas it describes this instance only.',
  })
  @ApiResponse({ status: 200, description: 'healthStatus', type: HealthStatusDto })
  @ApiResponse({ status: 503, description: 'healthNotReadyStatus', type: HealthNotReadyStatusDto })
  @ApiErrorResponses(500)
  async isInstanceReady(
    @Res({ passthrough: true }) response: Response,
  ): Promise<HealthStatusDto | HealthNotReadyStatusDto> {
    response.setHeader('Cache-Control', 'no-store');
    if (this.lifecycle.shuttingDown) {
      response.status(503);

      return { errors: { shutdown: 'the process is shutting down' } };
    }
    try {
      await this.health.check([
        () =>
          this.indicators
            .check('database')
            .attempt(() => this.database.ping())
            .withTimeout(DATABASE_CHECK_TIMEOUT_MS),
      ]);
      if (this.lifecycle.recordDatabaseCheck(true) === false) {
        this.logger.log('The database check succeeded again; the instance is ready');
      }

      return { status: 'ok' };
    } catch (error) {
      // Terminus raises a 503 that lists each failing indicator; only the database is checked.
      const cause = databaseFailure(error);
      const timedOut = cause.startsWith('timeout');
      if (this.lifecycle.recordDatabaseCheck(false) !== false) {
        this.logger.warn({ cause }, 'The database check failed; the instance is not ready');
      }
      response.status(503);

      // The body names the dependency but not the driver's error, which may reveal hosts or users.
      return {
        errors: {
          database: timedOut
            ? `the database did not answer within ${DATABASE_CHECK_TIMEOUT_MS} ms`
            : 'the database could not be queried; the server log has the cause',
        },
      };
    }
  }
}

function databaseFailure(error: unknown): string {
  if (error instanceof HttpException) {
    const body = error.getResponse() as { error?: { database?: { message?: unknown } } };
    const message = body.error?.database?.message;
    if (typeof message === 'string') {
      return message;
    }
  }

  return error instanceof Error ? error.message : String(error);
}
