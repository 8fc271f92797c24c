import { Controller, Get, Res } from '@nestjs/common';
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

      return { status: 'ok' };
    } catch {
      // Terminus raises a 503 exception that lists the failing indicators; only the database is checked.
      response.status(503);

      return {
        errors: { database: `the database did not answer within ${DATABASE_CHECK_TIMEOUT_MS} ms` },
      };
    }
  }
}
