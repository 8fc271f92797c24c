import { Controller, Get, NotFoundException } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { OpenAPIObject } from '@nestjs/swagger';

import { ApiErrorResponses } from '../common/api-responses.js';

/** Holds the generated OpenAPI document once both listeners are built. */
export class OpenApiDocumentHolder {
  document: OpenAPIObject | undefined;
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
