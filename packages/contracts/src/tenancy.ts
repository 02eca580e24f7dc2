import { Type, type Static } from '@sinclair/typebox';
import { DATABASE_NAME_PATTERN } from './names.js';

export const TENANT_ID_PATTERN = '^[a-z0-9][a-z0-9-]{0,62}$';

export const TenantIdSchema = Type.String({
  pattern: TENANT_ID_PATTERN,
  description: 'Lower-case letters, digits and -, at most 63 characters.',
  examples: ['acme'],
});

export const QuotasSchema = Type.Object(
  {
    max_databases: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 100_000 }), Type.Null()], { description: 'Databases the tenant may own (null: no limit).' })),
    max_database_bytes: Type.Optional(
      Type.Union([Type.Integer({ minimum: 65_536 }), Type.Null()], { description: 'Size of each database in bytes (null: no limit).' }),
    ),
    requests_per_second: Type.Optional(
      Type.Union([Type.Integer({ minimum: 1, maximum: 1_000_000 }), Type.Null()], { description: "Requests per second over all the tenant's callers (null: no limit)." }),
    ),
  },
  { additionalProperties: false },
);
export type QuotasBody = Static<typeof QuotasSchema>;

export const TenantSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  quotas: Type.Object({
    max_databases: Type.Union([Type.Integer(), Type.Null()]),
    max_database_bytes: Type.Union([Type.Integer(), Type.Null()]),
    requests_per_second: Type.Union([Type.Integer(), Type.Null()]),
  }),
  created_at: Type.String(),
});
export type TenantReply = Static<typeof TenantSchema>;

export const CreateTenantBodySchema = Type.Object(
  { id: TenantIdSchema, name: Type.String({ minLength: 1, maxLength: 200 }), quotas: Type.Optional(QuotasSchema) },
  { additionalProperties: false, examples: [{ id: 'acme', name: 'Acme Corp', quotas: { max_databases: 10 } }] },
);
export type CreateTenantBody = Static<typeof CreateTenantBodySchema>;

export const UpdateTenantBodySchema = Type.Object(
  { name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })), quotas: Type.Optional(QuotasSchema) },
  { additionalProperties: false },
);
export type UpdateTenantBody = Static<typeof UpdateTenantBodySchema>;

export const TenantParamsSchema = Type.Object({ tenant: TenantIdSchema });

export const MemberRoleSchema = Type.Union([Type.Literal('owner'), Type.Literal('developer'), Type.Literal('viewer')]);
export const KeyScopeSchema = Type.Union([Type.Literal('admin'), Type.Literal('read_write'), Type.Literal('read_only')]);

export const EmailSchema = Type.String({ format: 'email', maxLength: 254, examples: ['ada@example.com'] });
export const PasswordSchema = Type.String({ minLength: 10, maxLength: 256, description: 'At least 10 characters.' });

export const MemberSchema = Type.Object({
  user_id: Type.String(),
  email: Type.String(),
  role: MemberRoleSchema,
  created_at: Type.String(),
});

export type Member = Static<typeof MemberSchema>;

export const PutMemberBodySchema = Type.Object(
  {
    email: EmailSchema,
    role: MemberRoleSchema,
    password: Type.Optional(PasswordSchema),
  },
  {
    additionalProperties: false,
    description: 'Adds a user to the tenant, or changes their role. A password creates the user when no account has this email.',
    examples: [{ email: 'ada@example.com', role: 'developer', password: 'a long passphrase' }],
  },
);
export type PutMemberBody = Static<typeof PutMemberBodySchema>;

export const MemberParamsSchema = Type.Object({ tenant: TenantIdSchema, user: Type.String({ minLength: 1, maxLength: 64 }) });

export const ApiKeySchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  tenant_id: Type.String(),
  database: Type.Union([Type.String(), Type.Null()]),
  scope: KeyScopeSchema,
  prefix: Type.String({ description: 'The first characters of the key, to tell keys apart.' }),
  created_at: Type.String(),
  created_by: Type.String(),
  expires_at: Type.Union([Type.String(), Type.Null()]),
  revoked_at: Type.Union([Type.String(), Type.Null()]),
  last_used_at: Type.Union([Type.String(), Type.Null()]),
});
export type ApiKey = Static<typeof ApiKeySchema>;

export const CreateKeyBodySchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    scope: KeyScopeSchema,
    database: Type.Optional(Type.String({ pattern: DATABASE_NAME_PATTERN, description: 'Limits the key to this database.' })),
    expires_at: Type.Optional(Type.String({ format: 'date-time', description: 'When the key stops working.' })),
  },
  { additionalProperties: false, examples: [{ name: 'reporting', scope: 'read_only', database: 'orders' }] },
);
export type CreateKeyBody = Static<typeof CreateKeyBodySchema>;

export const CreatedKeySchema = Type.Object({
  key: ApiKeySchema,
  secret: Type.String({ description: 'The key itself. Shown only now: it is stored hashed.' }),
});

export const KeyParamsSchema = Type.Object({ tenant: TenantIdSchema, key: Type.String({ pattern: '^[a-z0-9]{12}$' }) });

export const CreateUserBodySchema = Type.Object(
  { email: EmailSchema, password: PasswordSchema, platform_admin: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);
export type CreateUserBody = Static<typeof CreateUserBodySchema>;

export const UserSchema = Type.Object({
  id: Type.String(),
  email: Type.String(),
  platform_admin: Type.Boolean(),
  created_at: Type.String(),
});

export type PlatformUser = Static<typeof UserSchema>;

export const LoginBodySchema = Type.Object(
  { email: Type.String({ minLength: 1, maxLength: 254 }), password: Type.String({ minLength: 1, maxLength: 256 }) },
  { additionalProperties: false },
);
export type LoginBody = Static<typeof LoginBodySchema>;

export const TokensSchema = Type.Object({
  access_token: Type.String(),
  token_type: Type.Literal('Bearer'),
  expires_in: Type.Integer({ description: 'Seconds the access token stays valid.' }),
  refresh_token: Type.String({ description: 'Exchanges for a new pair once (POST /auth/refresh); revoked by logout.' }),
  refresh_expires_at: Type.String(),
});
export type TokensReply = Static<typeof TokensSchema>;

export const RefreshBodySchema = Type.Object({ refresh_token: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });

export const ChangePasswordBodySchema = Type.Object(
  { current_password: Type.String({ minLength: 1, maxLength: 256 }), new_password: PasswordSchema },
  { additionalProperties: false },
);

export const WhoAmISchema = Type.Object({
  kind: Type.Union([Type.Literal('admin'), Type.Literal('user'), Type.Literal('key')]),
  id: Type.String(),
  email: Type.Optional(Type.String()),
  platform_admin: Type.Boolean(),
  tenants: Type.Array(Type.Object({ id: Type.String(), role: Type.String() })),
  database: Type.Optional(Type.Union([Type.String(), Type.Null()])),
});
export type WhoAmI = Static<typeof WhoAmISchema>;

/* ------------------------------------------------------------------ a database's own users (its app's end users) */

export const DbCredentialsSchema = Type.Object(
  { email: Type.String({ minLength: 1, maxLength: 254 }), password: Type.String({ minLength: 1, maxLength: 256 }) },
  { additionalProperties: false, examples: [{ email: 'sam@example.com', password: 'a long passphrase' }] },
);
export type DbCredentials = Static<typeof DbCredentialsSchema>;

export const DbUserSchema = Type.Object({
  id: Type.String(),
  email: Type.String(),
  roles: Type.Array(Type.String(), { description: "The user's roles in this database (`user` at sign-up; `admin` acts as the database's administrator)." }),
  created_at: Type.String(),
});
export type DbUser = Static<typeof DbUserSchema>;

export const DbSessionSchema = Type.Object({
  access_token: Type.String({ description: 'A `dbu_` token for this database only: send it as `Authorization: Bearer`.' }),
  token_type: Type.Literal('Bearer'),
  expires_at: Type.String(),
  user: DbUserSchema,
});
export type DbSession = Static<typeof DbSessionSchema>;

export const DbUserListSchema = Type.Object({ data: Type.Array(DbUserSchema) });

export const DbUserParamsSchema = Type.Object({
  name: Type.String({ pattern: DATABASE_NAME_PATTERN }),
  user: Type.String({ minLength: 1, maxLength: 64 }),
});

export const SetDbUserRolesBodySchema = Type.Object(
  { roles: Type.Array(Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }), { maxItems: 50 }) },
  { additionalProperties: false, examples: [{ roles: ['user', 'admin'] }] },
);

export const DbChangePasswordBodySchema = Type.Object(
  { current_password: Type.String({ minLength: 1, maxLength: 256 }), new_password: Type.String({ minLength: 1, maxLength: 256 }) },
  { additionalProperties: false },
);
