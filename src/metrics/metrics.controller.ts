import { Controller, Get, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';

import { ApiErrorResponses } from '../common/api-responses.js';
import { Metrics } from './metrics.js';

/** Prometheus metrics, on the admin listener only. */
@ApiTags('admin')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: Metrics) {}

  @Get()
  @ApiOperation({
    operationId: 'getMetrics',
    summary: 'Get Prometheus metrics',
    description:
      'Returns the metrics of this process in the Prometheus text format: CPU, memory, event loop lag and handles. With several replicas, scrape each one.',
  })
  @ApiResponse({
    status: 200,
    description: 'Metrics in the Prometheus text exposition format.',
    content: { 'text/plain': { schema: { type: 'string' } } },
  })
  @ApiErrorResponses(500)
  async getMetrics(@Res() response: Response): Promise<void> {
    const body = await this.metrics.registry.metrics();
    response
      .status(200)
      .type(this.metrics.registry.contentType)
      .setHeader('Cache-Control', 'no-store');
    response.send(body);
  }
}
