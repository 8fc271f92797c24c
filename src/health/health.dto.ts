import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';

@ApiSchema({ name: 'healthStatus' })
export class HealthStatusDto {
  @ApiProperty({ description: 'Always "ok".', example: 'ok' })
  status!: string;
}

@ApiSchema({ name: 'healthNotReadyStatus' })
export class HealthNotReadyStatusDto {
  @ApiPropertyOptional({
    description: 'Failing dependencies mapped to what went wrong.',
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { database: 'the database did not answer within 800 ms' },
  })
  errors?: Record<string, string>;
}

@ApiSchema({ name: 'version' })
export class VersionDto {
  @ApiProperty({ description: "The service's version.", example: '0.1.0' })
  version!: string;
}
