import { ApiProperty, ApiSchema } from '@nestjs/swagger';

import { IdentityDto } from '../identity/identity.dto.js';

@ApiSchema({
  name: 'session',
  description: 'A session: proof that an identity authenticated recently.',
})
export class SessionDto {
  @ApiProperty({ description: 'Session id.', format: 'uuid4' })
  sid!: string;

  @ApiProperty({ description: 'When the session stops being valid.', format: 'date-time' })
  expires_at!: string;

  @ApiProperty({ description: 'When the identity authenticated.', format: 'date-time' })
  authenticated_at!: string;

  @ApiProperty({ description: 'When the session was issued.', format: 'date-time' })
  issued_at!: string;

  @ApiProperty({ type: () => IdentityDto })
  identity!: IdentityDto;
}
