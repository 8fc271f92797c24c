/** JSON Schema of the create and update bodies: the Identity object, nothing else. */
export const IDENTITY_BODY_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    id: { type: 'string' },
    traits: { type: 'object' },
    traits_schema_id: { type: 'string', maxLength: 2048 },
    traits_schema_url: { type: 'string' },
  },
} as const;

export interface IdentityBody {
  id?: string;
  traits?: Record<string, unknown>;
  traits_schema_id?: string;
  traits_schema_url?: string;
}
