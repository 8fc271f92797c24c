import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';

import { notFound } from '../common/errors.js';
import { TraitsSchemaRegistry } from './traits-schema.registry.js';

/** Serves identity traits schemas by id, so that clients can render and check forms themselves. */
@ApiExcludeController()
@Controller('schemas')
export class SchemaController {
  constructor(private readonly schemas: TraitsSchemaRegistry) {}

  @Get(':id')
  async getSchema(@Param('id') id: string, @Res() response: Response): Promise<void> {
    if (!this.schemas.has(id)) {
      throw notFound(`No identity traits schema has the id "${id}".`);
    }
    const schema = await this.schemas.get(id);
    response.status(200).type('application/json').send(schema.raw);
  }
}
