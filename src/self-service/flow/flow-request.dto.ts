import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';

import { FormDto } from '../form/form.dto.js';

@ApiSchema({ name: 'loginRequestMethod', description: 'A login method and its form.' })
export class LoginRequestMethodDto {
  @ApiProperty({ description: 'Name of the method, such as password.' })
  method!: string;

  @ApiProperty({ type: () => FormDto })
  config!: FormDto;
}

@ApiSchema({
  name: 'registrationRequestMethod',
  description: 'A registration method and its form.',
})
export class RegistrationRequestMethodDto {
  @ApiProperty({ description: 'Name of the method, such as password.' })
  method!: string;

  @ApiProperty({ type: () => FormDto })
  config!: FormDto;
}

class FlowRequestFields {
  @ApiProperty({ format: 'uuid4' })
  id!: string;

  @ApiPropertyOptional({ description: 'The method in use, when one was chosen.' })
  active?: string;

  @ApiProperty({ description: 'When the request was issued (UTC).', format: 'date-time' })
  issued_at!: string;

  @ApiProperty({
    description: 'When the request expires (UTC); after that a new one must be started.',
    format: 'date-time',
  })
  expires_at!: string;

  @ApiProperty({ description: 'The URL that started the flow, including its return_to parameter.' })
  request_url!: string;
}

@ApiSchema({
  name: 'loginRequest',
  description: 'A browser login flow and the forms of its methods.',
})
export class LoginRequestDto extends FlowRequestFields {
  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: '#/components/schemas/loginRequestMethod' },
  })
  methods!: Record<string, LoginRequestMethodDto>;
}

@ApiSchema({
  name: 'registrationRequest',
  description: 'A browser registration flow and the forms of its methods.',
})
export class RegistrationRequestDto extends FlowRequestFields {
  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: '#/components/schemas/registrationRequestMethod' },
  })
  methods!: Record<string, RegistrationRequestMethodDto>;
}
