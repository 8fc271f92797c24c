import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';

import { GenericErrorDto } from './error.dto.js';

/** Documents error responses of an operation, each with the error envelope as its body. */
export function ApiErrorResponses(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({ status, description: 'genericError', type: GenericErrorDto }),
    ),
  );
}
