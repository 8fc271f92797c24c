import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';

@ApiSchema({ name: 'genericErrorPayload' })
export class GenericErrorPayloadDto {
  @ApiProperty({ description: 'HTTP status code of the response.', example: 404, format: 'int64' })
  code!: number;

  @ApiPropertyOptional({
    description: 'HTTP reason phrase of the status code.',
    example: 'Not Found',
  })
  status?: string;

  @ApiPropertyOptional({
    description: 'Request id, as echoed in the X-Request-ID response header.',
  })
  request?: string;

  @ApiPropertyOptional({ description: 'Specific, human-readable explanation of the error.' })
  reason?: string;

  @ApiPropertyOptional({ description: 'Developer detail, when available. Never a stack trace.' })
  debug?: string;

  @ApiPropertyOptional({
    description: 'Keys, such as JSON pointers into the request body, mapped to lists of messages.',
    type: 'object',
    additionalProperties: { type: 'array', items: {} },
  })
  details?: Record<string, unknown[]>;

  @ApiProperty({ description: 'Generic message of the error class.' })
  message!: string;
}

@ApiSchema({ name: 'genericError', description: 'Error response' })
export class GenericErrorDto {
  @ApiProperty({ type: () => GenericErrorPayloadDto })
  error!: GenericErrorPayloadDto;
}
