import { Type, type Static } from '@sinclair/typebox';
import { DatabaseNameSchema } from './schemas.js';

/* ------------------------------------------------------------------ field types */

/** Field types of the resource format: DBBasic's, MetaBuilder DBAL's and DB-Forge's own. */
export const FIELD_TYPES = [
  'primary_key',
  'string',
  'text',
  'email',
  'url',
  'integer',
  'bigint',
  'decimal',
  'boolean',
  'timestamp',
  'datetime',
  'date',
  'select',
  'enum',
  'json',
  'file',
  'foreign_key',
  'many_to_many',
  'uuid',
  'cuid',
  'password',
] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

/**
 * What a field is stored and checked as. Aliases collapse here (`datetime` is a `timestamp`, `enum` a `select`), so
 * changing one for the other is no migration.
 */
export type FieldKind =
  | 'string'
  | 'text'
  | 'email'
  | 'url'
  | 'integer'
  | 'bigint'
  | 'decimal'
  | 'boolean'
  | 'timestamp'
  | 'date'
  | 'select'
  | 'json'
  | 'file'
  | 'uuid'
  | 'cuid'
  | 'password';

/* ------------------------------------------------------------------ resources API */

const ResourceNameSchema = Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]{0,62}$', description: 'The resource name.', examples: ['customers'] });

export const ResourceParamsSchema = Type.Object({ name: DatabaseNameSchema, resource: ResourceNameSchema });
export type ResourceParams = Static<typeof ResourceParamsSchema>;

export const RecordParamsSchema = Type.Object({
  name: DatabaseNameSchema,
  resource: ResourceNameSchema,
  id: Type.String({ minLength: 1, maxLength: 200, description: "The record's primary key." }),
});
export type RecordParams = Static<typeof RecordParamsSchema>;

export const FileParamsSchema = Type.Object({
  name: DatabaseNameSchema,
  resource: ResourceNameSchema,
  id: Type.String({ minLength: 1, maxLength: 200 }),
  field: Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]{0,62}$' }),
});
export type FileParams = Static<typeof FileParamsSchema>;

export const ApplySchemaQuerySchema = Type.Object(
  {
    dry_run: Type.Optional(Type.Boolean({ default: false, description: 'Answer the migration plan without applying it.' })),
    allow_destructive: Type.Optional(
      Type.Boolean({ default: false, description: 'Allow steps that lose data or convert stored values (table rebuilds).' }),
    ),
  },
  { additionalProperties: false },
);
export type ApplySchemaQuery = Static<typeof ApplySchemaQuerySchema>;

export const PlanStepSchema = Type.Object({
  action: Type.String(),
  resource: Type.String(),
  field: Type.Optional(Type.String()),
  index: Type.Optional(Type.String()),
  destructive: Type.Boolean(),
  detail: Type.String(),
  sql: Type.Array(Type.String()),
});

export const SchemaWarningSchema = Type.Object({
  resource: Type.String(),
  field: Type.Optional(Type.String()),
  message: Type.String(),
  line: Type.Optional(Type.Integer()),
  column: Type.Optional(Type.Integer()),
});

export const ApplySchemaReplySchema = Type.Object(
  {
    dry_run: Type.Boolean(),
    resources: Type.Array(
      Type.Object({
        name: Type.String(),
        version: Type.Integer(),
        status: Type.Union([Type.Literal('created'), Type.Literal('updated'), Type.Literal('unchanged')]),
      }),
    ),
    plan: Type.Array(PlanStepSchema),
    warnings: Type.Array(SchemaWarningSchema),
  },
  {
    examples: [
      {
        dry_run: false,
        resources: [{ name: 'customers', version: 1, status: 'created' }],
        plan: [{ action: 'create_table', resource: 'customers', destructive: false, detail: "creates the table 'customers'", sql: ['CREATE TABLE "customers" (...)'] }],
        warnings: [],
      },
    ],
  },
);
export type ApplySchemaReply = Static<typeof ApplySchemaReplySchema>;

export const SchemaVersionSchema = Type.Object({
  id: Type.Integer(),
  version: Type.Integer(),
  action: Type.String({ description: '`applied` or `removed`.' }),
  yaml: Type.Union([Type.String(), Type.Null()]),
  plan: Type.Unknown(),
  warnings: Type.Array(Type.String()),
  applied_at: Type.String(),
  applied_by: Type.String(),
});

export const ResourceSchemaSchema = Type.Object({
  name: Type.String(),
  version: Type.Integer(),
  dialect: Type.String(),
  updated_at: Type.String(),
  definition: Type.Record(Type.String(), Type.Unknown()),
  yaml: Type.String(),
  warnings: Type.Array(Type.String()),
  versions: Type.Array(SchemaVersionSchema),
});

export const SchemaReplySchema = Type.Object({
  engine: Type.String(),
  resources: Type.Array(ResourceSchemaSchema),
  removed: Type.Array(Type.Object({ name: Type.String(), versions: Type.Array(SchemaVersionSchema) })),
  warnings: Type.Array(Type.String()),
  hooks: Type.Object({
    configured: Type.Array(Type.String()),
    outbox: Type.Object({ pending: Type.Integer(), dead: Type.Integer() }),
  }),
});
export type SchemaReply = Static<typeof SchemaReplySchema>;

export const RemoveResourceReplySchema = Type.Object({
  message: Type.String(),
  resource: Type.String(),
  plan: Type.Array(PlanStepSchema),
  warnings: Type.Array(Type.String()),
});
export type RemoveResourceReply = Static<typeof RemoveResourceReplySchema>;

export const CapabilitiesReplySchema = Type.Object(
  {
    engine: Type.String(),
    capabilities: Type.Record(Type.String(), Type.Boolean()),
  },
  {
    examples: [
      {
        engine: 'sqlite',
        capabilities: { transactions: true, foreign_keys: true, full_text_search: true, json_queries: true, exact_decimals: false },
      },
    ],
  },
);
export type CapabilitiesReply = Static<typeof CapabilitiesReplySchema>;

export const RecordSchema = Type.Record(Type.String(), Type.Unknown());
export type ResourceRecord = Static<typeof RecordSchema>;

export const ListRecordsReplySchema = Type.Object({
  data: Type.Array(RecordSchema),
  has_more: Type.Boolean(),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
  total: Type.Optional(Type.Integer()),
});
export type ListRecordsReply = Static<typeof ListRecordsReplySchema>;

export const BulkBodySchema = Type.Object(
  { records: Type.Array(RecordSchema, { minItems: 1, maxItems: 1000 }) },
  { additionalProperties: false },
);
export const BulkReplySchema = Type.Object({ data: Type.Array(RecordSchema), count: Type.Integer() });
export type BulkReply = Static<typeof BulkReplySchema>;

export const ImportReplySchema = Type.Object({
  message: Type.String(),
  imported: Type.Integer(),
  ignored_columns: Type.Array(Type.String()),
});
export type ImportReply = Static<typeof ImportReplySchema>;

export const ResourceListReplySchema = Type.Object({
  resources: Type.Array(Type.Object({ name: Type.String(), version: Type.Integer(), url: Type.String() })),
});
export type ResourceListReply = Static<typeof ResourceListReplySchema>;

/** The acting identity the gateway sends a worker. */
export const ActorSchema = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 200 }),
  roles: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 100 }),
  /** platform: a platform key or user (the database's administrator); user: one of the database's own users. */
  kind: Type.Optional(Type.Union([Type.Literal('platform'), Type.Literal('user'), Type.Literal('anonymous')])),
  /** The caller may read but not change anything (a read-only key, a viewer). */
  readonly: Type.Optional(Type.Boolean()),
});
export type ActorInfo = Static<typeof ActorSchema>;

/* ------------------------------------------------------------------ webhooks (admin API) */

export const HOOK_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]{0,62}$';

export const WebhookParamsSchema = Type.Object({
  name: DatabaseNameSchema,
  hook: Type.String({ pattern: HOOK_NAME_PATTERN, description: 'The hook name, as resources name it under `hooks:`.' }),
});
export type WebhookParams = Static<typeof WebhookParamsSchema>;

export const PutWebhookBodySchema = Type.Object(
  {
    url: Type.String({ minLength: 8, maxLength: 2048, description: 'An http or https URL that receives signed JSON POSTs.' }),
    secret: Type.Optional(
      Type.String({ minLength: 16, maxLength: 256, description: 'The signing secret; one is generated (and answered once) when left out.' }),
    ),
  },
  { additionalProperties: false, examples: [{ url: 'https://hooks.example.com/dbforge', secret: 'a-long-random-signing-secret' }] },
);
export type PutWebhookBody = Static<typeof PutWebhookBodySchema>;

export const WebhookSchema = Type.Object({
  database: Type.String(),
  hook: Type.String(),
  url: Type.String(),
  created_at: Type.String(),
  updated_at: Type.String(),
});
export type WebhookInfo = Static<typeof WebhookSchema>;

export const PutWebhookReplySchema = Type.Object({
  ...WebhookSchema.properties,
  secret: Type.Optional(Type.String({ description: 'Only when the gateway generated it: shown this once.' })),
});
export type PutWebhookReply = Static<typeof PutWebhookReplySchema>;

export const WebhookListReplySchema = Type.Object({ webhooks: Type.Array(WebhookSchema) });
export type WebhookListReply = Static<typeof WebhookListReplySchema>;

/* ------------------------------------------------------------------ worker outbox (internal) */

export const OutboxQuerySchema = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })) });
export const OutboxAckBodySchema = Type.Object({ ids: Type.Array(Type.Integer(), { maxItems: 1000 }) }, { additionalProperties: false });
export const OutboxFailBodySchema = Type.Object(
  {
    id: Type.Integer(),
    error: Type.String({ maxLength: 2000 }),
    retry_at: Type.String({ format: 'date-time' }),
    dead: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type OutboxFailBody = Static<typeof OutboxFailBodySchema>;

/** A delivery waiting in a worker's outbox. */
export interface OutboxDelivery {
  id: number;
  hook: string;
  event: string;
  resource: string;
  record_id: string | null;
  payload: unknown;
  created_at: string;
  attempts: number;
}

/** The body of a worker's internal 299 reply: before-hooks to call, and the token to send back with the verdict. */
export interface HookRequiredReply {
  token: string;
  calls: {
    index: number;
    hook: string;
    event: string;
    resource: string;
    record: Record<string, unknown> | null;
    old_record: Record<string, unknown> | null;
  }[];
}
