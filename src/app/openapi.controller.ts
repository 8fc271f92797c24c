import { Controller, Get, NotFoundException } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { OpenAPIObject } from '@nestjs/swagger';

import { ApiErrorResponses } from '../common/api-responses.js';

/**
 * Builds the OpenAPI document on first request and keeps it: generating it takes a few
 * hundred milliseconds and some memory, which a starting replica should not spend.
 */
export class OpenApiDocumentHolder {
  private build: (() => OpenAPIObject) | undefined;
  private built: OpenAPIObject | undefined;

  /** Sets how to build the document, once both listeners are built. */
  provide(build: () => OpenAPIObject): void {
    this.build = build;
    this.built = undefined;
  }

  get document(): OpenAPIObject | undefined {
    this.built ??= this.build?.();

    return this.built;
  }
}

export const openApiDocument = new OpenApiDocumentHolder();

/** Serves the OpenAPI document of both listeners on the admin listener. */
@ApiTags('admin')
@Controller()
export class OpenApiController {
  @Get('openapi.json')
  @ApiOperation({
    operationId: 'getOpenApiDocument',
    summary: 'Get the OpenAPI document',
    description: 'Returns this OpenAPI 3 document, which describes the public and admin APIs.',
  })
  @ApiResponse({
    status: 200,
    description: 'The OpenAPI document.',
    schema: { type: 'object', additionalProperties: true },
  })
  @ApiErrorResponses(404)
  getOpenApiDocument(): OpenAPIObject {
    if (!openApiDocument.document) {
      throw new NotFoundException();
    }

    return openApiDocument.document;
  }
}
