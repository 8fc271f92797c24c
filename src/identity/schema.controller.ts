import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';

import { ApiErrorResponses } from '../common/api-responses.js';
import { notFound } from '../common/errors.js';
import { TraitsSchemaRegistry } from './traits-schema.registry.js';

/** Serves identity traits schemas by id, so that clients can render and check forms themselves. */
@ApiTags('public')
@Controller('schemas')
export class SchemaController {
  constructor(private readonly schemas: TraitsSchemaRegistry) {}

  @Get(':id')
  @ApiOperation({
    operationId: 'getSchema',
    summary: 'Get an identity traits schema',
    description:
      'Returns the JSON Schema with this id, as configured in identity.traits; an identity links to its schema in traits_schema_url.',
  })
  @ApiParam({
    name: 'id',
    description: 'Id of the schema: default, or an id from identity.traits.schemas.',
    schema: { type: 'string' },
  })
  @ApiProduces('application/json')
  @ApiResponse({
    status: 200,
    description: 'The JSON Schema document, as stored.',
    schema: { type: 'object', additionalProperties: true },
  })
  @ApiErrorResponses(404, 500)
  async getSchema(@Param('id') id: string, @Res() response: Response): Promise<void> {
    if (!this.schemas.has(id)) {
      throw notFound(`No identity traits schema has the id "${id}".`);
    }
    const schema = await this.schemas.get(id);
    response.status(200).type('application/json').send(schema.raw);
  }
}
