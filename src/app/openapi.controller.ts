import { Controller, Get, NotFoundException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { OpenAPIObject } from '@nestjs/swagger';

/** Holds the generated OpenAPI document once both listeners are built. */
export class OpenApiDocumentHolder {
  document: OpenAPIObject | undefined;
}

export const openApiDocument = new OpenApiDocumentHolder();

/** Serves the OpenAPI document of both listeners on the admin listener. */
@ApiExcludeController()
@Controller()
export class OpenApiController {
  @Get('openapi.json')
  getOpenApiDocument(): OpenAPIObject {
    if (!openApiDocument.document) {
      throw new NotFoundException();
    }

    return openApiDocument.document;
  }
}
