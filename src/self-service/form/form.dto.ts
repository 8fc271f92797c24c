import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';

@ApiSchema({ name: 'Error', description: 'A message on a form or a form field.' })
export class FormMessageDto {
  @ApiPropertyOptional({ description: 'Stable id of the message, for translations.' })
  id?: string;

  @ApiProperty({ description: 'The message in English.' })
  message!: string;
}

@ApiSchema({ name: 'formField', description: 'An HTML form field.' })
export class FormFieldDto {
  @ApiProperty({ description: 'Name of the input, as in <input name>.' })
  name!: string;

  @ApiProperty({ description: 'Type of the input, as in <input type>.' })
  type!: string;

  @ApiPropertyOptional({ description: 'Pattern the value must match, as in <input pattern>.' })
  pattern?: string;

  @ApiPropertyOptional({ description: 'As in <input disabled>.' })
  disabled?: string;

  @ApiPropertyOptional({ description: 'As in <input required>.' })
  required?: boolean;

  @ApiPropertyOptional({
    description: 'Current value; numbers and booleans keep their JSON type.',
    type: 'object',
    additionalProperties: true,
  })
  value?: unknown;

  @ApiPropertyOptional({
    description: 'Errors of this field.',
    type: () => FormMessageDto,
    isArray: true,
  })
  errors?: FormMessageDto[];
}

@ApiSchema({
  name: 'form',
  description: 'An HTML form: where it posts, its fields and its errors.',
})
export class FormDto {
  @ApiProperty({ description: 'URL the form posts to, as in <form action>.' })
  action!: string;

  @ApiProperty({ description: 'Always POST.', enum: ['POST'] })
  method!: 'POST';

  @ApiProperty({
    description: 'The fields, in display order.',
    type: () => FormFieldDto,
    isArray: true,
  })
  fields!: FormFieldDto[];

  @ApiPropertyOptional({
    description: 'Errors of the whole form.',
    type: () => FormMessageDto,
    isArray: true,
  })
  errors?: FormMessageDto[];
}
