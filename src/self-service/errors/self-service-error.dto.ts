import { ApiProperty, ApiSchema } from '@nestjs/swagger';

import type { ErrorPayload } from '../../common/errors.js';
import { GenericErrorPayloadDto } from '../../common/error.dto.js';

@ApiSchema({
  name: 'selfServiceError',
  description: 'An error that a self-service flow could not show on a form.',
})
export class SelfServiceErrorDto {
  @ApiProperty({ format: 'uuid4' })
  id!: string;

  @ApiProperty({ type: () => GenericErrorPayloadDto, isArray: true })
  errors!: ErrorPayload[];
}
