import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Post,
  Put,
  Query,
  Res,
  UseGuards,
} from '@nestjs/common';
import { ApiBody, ApiOperation, ApiParam, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';

import { ApiErrorResponses } from '../common/api-responses.js';
import { JsonBodyGuard } from '../common/json-body.guard.js';
import { joinUrl } from '../common/url.js';
import { GatehouseConfig } from '../config/gatehouse-config.js';
import { IdentityDto } from './identity.dto.js';
import { DEFAULT_PER_PAGE, MAX_PER_PAGE, parsePagination, paginationLinks } from './pagination.js';
import { IdentityService } from './identity.service.js';

const ID_PARAM = {
  name: 'id',
  description: 'Id of the identity. A value that is not a UUID matches no identity.',
  schema: { type: 'string', format: 'uuid' },
} as const;

/** The admin identities API, served on the admin listener only. */
@ApiTags('admin')
@Controller('identities')
export class IdentityController {
  constructor(
    private readonly identities: IdentityService,
    private readonly config: GatehouseConfig,
  ) {}

  @Get()
  @ApiOperation({
    operationId: 'listIdentities',
    summary: 'List all identities in the system',
    description:
      'Returns identities oldest first, one page at a time; the Link header points to the neighbouring pages.',
  })
  @ApiQuery({
    name: 'page',
    required: false,
    schema: { type: 'integer', minimum: 1, default: 1 },
    description: 'Page number, starting at 1.',
  })
  @ApiQuery({
    name: 'per_page',
    required: false,
    schema: { type: 'integer', minimum: 1, maximum: MAX_PER_PAGE, default: DEFAULT_PER_PAGE },
    description: `Identities per page; larger values are lowered to ${MAX_PER_PAGE}.`,
  })
  @ApiResponse({
    status: 200,
    description: 'A list of identities.',
    type: IdentityDto,
    isArray: true,
    headers: {
      Link: {
        description:
          'Links to the first, previous and next pages (RFC 8288), with rel first, prev and next.',
        schema: { type: 'string' },
      },
    },
  })
  @ApiErrorResponses(400, 500, 503)
  async listIdentities(
    @Query('page') page: unknown,
    @Query('per_page') perPage: unknown,
    @Res({ passthrough: true }) response: Response,
  ): Promise<IdentityDto[]> {
    const pagination = parsePagination(page, perPage);
    const result = await this.identities.list(pagination.page, pagination.perPage);
    response.setHeader(
      'Link',
      paginationLinks(joinUrl(this.config.adminUrl, 'identities'), pagination, result.hasNext),
    );

    return result.identities.map((identity) => this.identities.toDto(identity));
  }

  @Post()
  @UseGuards(JsonBodyGuard)
  @ApiOperation({
    operationId: 'createIdentity',
    summary: 'Create an identity',
    description:
      'Creates an identity with a generated id. Identifier traits are reserved for it, but credentials such as passwords cannot be set this way, so it cannot log in with a password.',
  })
  @ApiBody({ type: IdentityDto })
  @ApiResponse({
    status: 201,
    description: 'The created identity.',
    type: IdentityDto,
    headers: {
      Location: {
        description: 'URL of the new identity on the admin API.',
        schema: { type: 'string', format: 'uri' },
      },
    },
  })
  @ApiErrorResponses(400, 409, 413, 415, 500, 503)
  async createIdentity(
    @Body() body: unknown,
    @Res({ passthrough: true }) response: Response,
  ): Promise<IdentityDto> {
    const identity = await this.identities.create(body);
    response
      .status(201)
      .setHeader('Location', joinUrl(this.config.adminUrl, `identities/${identity.id}`));

    return this.identities.toDto(identity);
  }

  @Get(':id')
  @ApiOperation({ operationId: 'getIdentity', summary: 'Get an identity' })
  @ApiParam(ID_PARAM)
  @ApiResponse({ status: 200, description: 'The identity.', type: IdentityDto })
  @ApiErrorResponses(404, 500, 503)
  async getIdentity(@Param('id') id: string): Promise<IdentityDto> {
    return this.identities.toDto(await this.identities.get(id));
  }

  @Put(':id')
  @UseGuards(JsonBodyGuard)
  @ApiOperation({
    operationId: 'updateIdentity',
    summary: 'Update an identity',
    description:
      'Replaces the traits and traits schema of an identity; an identity as returned by getIdentity can be sent back as it is. A changed identifier trait changes the login identifier, and the password stays.',
  })
  @ApiParam(ID_PARAM)
  @ApiBody({ type: IdentityDto })
  @ApiResponse({ status: 200, description: 'The updated identity.', type: IdentityDto })
  @ApiErrorResponses(400, 404, 409, 413, 415, 500, 503)
  async updateIdentity(@Param('id') id: string, @Body() body: unknown): Promise<IdentityDto> {
    return this.identities.toDto(await this.identities.update(id, body));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    operationId: 'deleteIdentity',
    summary: 'Delete an identity',
    description: 'Deletes an identity with its credentials; its sessions stop working at once.',
  })
  @ApiParam(ID_PARAM)
  @ApiResponse({ status: 204, description: 'The identity was deleted.' })
  @ApiErrorResponses(404, 500, 503)
  async deleteIdentity(@Param('id') id: string): Promise<void> {
    await this.identities.delete(id);
  }
}
