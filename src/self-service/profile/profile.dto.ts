import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';

import { IdentityDto } from '../../identity/identity.dto.js';
import { FormDto } from '../form/form.dto.js';

@ApiSchema({
  name: 'profileManagementRequest',
  description:
    'A profile management request: the form with which a signed-in person edits the traits of their identity.',
})
export class ProfileManagementRequestDto {
  @ApiProperty({ format: 'uuid4' })
  id!: string;

  @ApiProperty({ description: 'When the request was issued (UTC).', format: 'date-time' })
  issued_at!: string;

  @ApiProperty({
    description: 'When the request expires (UTC); after that a new one must be started.',
    format: 'date-time',
  })
  expires_at!: string;

  @ApiProperty({ description: 'The URL that started the flow.' })
  request_url!: string;

  @ApiProperty({
    type: () => IdentityDto,
    description: 'The identity as it is stored now, whose traits the form edits.',
  })
  identity!: IdentityDto;

  @ApiProperty({
    type: () => FormDto,
    description:
      'The form: one field per trait, filled with the stored value or, after a failed attempt, with the submitted one, plus csrf_token.',
  })
  form!: FormDto;

  @ApiProperty({
    description:
      'True after the last submission stored the traits; false again after a submission that failed.',
  })
  update_successful!: boolean;
}

@ApiSchema({
  name: 'completeSelfServiceBrowserProfileManagementFlowPayload',
  description:
    'The new traits. A JSON body sends them as a traits object, which replaces every stored trait. A form body sends one field per trait, named traits.<path>; stored traits that the form has no field for are kept.',
})
export class CompleteSelfServiceBrowserProfileManagementFlowPayloadDto {
  @ApiProperty({
    description: "All of the identity's traits, valid against its traits schema.",
    type: 'object',
    additionalProperties: true,
  })
  traits!: Record<string, unknown>;

  @ApiPropertyOptional({
    description: "The form's csrf_token value; may be sent in the X-CSRF-Token header instead.",
  })
  csrf_token?: string;
}
