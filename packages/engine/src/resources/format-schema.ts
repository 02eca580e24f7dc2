import { FIELD_TYPES, HOOK_EVENTS, MAGIC_KEYS, ON_DELETE, PERMISSION_KEYWORDS, RULE_EVENTS } from './model.js';

/**
 * The JSON Schema of one resource document (DBBasic's `resource:` or MetaBuilder DBAL's `entity:`). It checks shapes;
 * what depends on more than one key (a `select` needs `options`, a default must suit its type, references) is checked
 * by the normaliser, which reports with the same line and column. Keys the engine does not act on are allowed and
 * kept, so the schema leaves `additionalProperties` open at the top and on fields.
 */
const identifier = { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]{0,62}$' } as const;
const name = {
  type: 'string',
  pattern: '^[A-Za-z_][A-Za-z0-9_]{0,62}$',
  description: 'Letters, digits and `_`, not starting with a digit, at most 63 characters.',
} as const;
const celExpression = { type: 'string', minLength: 1, maxLength: 4000, description: 'A CEL expression.' } as const;
const hookNames = {
  anyOf: [identifier, { type: 'array', items: identifier, minItems: 1, uniqueItems: true }],
  description: 'A hook name, or a list of them; each maps to a webhook configured for the database.',
} as const;

const permissionEntry = {
  anyOf: [
    { type: 'string', description: `A keyword: ${PERMISSION_KEYWORDS.join(', ')}; or a role name.` },
    {
      type: 'object',
      description: "Keyed by a field's value: `{published: public, draft: owner_or_admin}` (the field is `status` unless `field` says otherwise).",
      additionalProperties: { type: 'string' },
    },
    {
      type: 'array',
      items: {
        type: 'object',
        properties: { role: { type: 'string', minLength: 1 }, condition: celExpression },
        additionalProperties: false,
        minProperties: 1,
        maxProperties: 1,
      },
    },
    { type: 'boolean' },
  ],
} as const;

const rule = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    rule: { type: 'string', description: 'DBBasic: the rule name.' },
    condition: celExpression,
    when: celExpression,
    action: { enum: ['reject', 'require_role', 'set', 'require_approval'] },
    message: { type: 'string', maxLength: 1000 },
    role: { type: 'string', minLength: 1 },
    approver_role: { type: 'string', minLength: 1, description: 'DBBasic: the role `require_approval` needs.' },
    set: { type: 'object', additionalProperties: celExpression, minProperties: 1 },
  },
  required: ['action'],
  additionalProperties: true,
} as const;

const rulesByEvent = {
  type: 'object',
  propertyNames: { enum: [...RULE_EVENTS] },
  additionalProperties: { type: 'array', items: rule },
} as const;

const field = {
  type: 'object',
  properties: {
    type: { enum: [...FIELD_TYPES], description: 'The field type.' },
    required: { type: 'boolean' },
    optional: { type: 'boolean', description: 'DBAL: the opposite of `required`.' },
    nullable: { type: 'boolean' },
    unique: { type: 'boolean' },
    primary: { type: 'boolean', description: 'DBAL: the primary key.' },
    generated: { type: 'boolean', description: 'DBAL: the database generates the value.' },
    immutable: { type: 'boolean' },
    auto_update: { type: 'boolean', description: 'DBAL: same as `auto_now`.' },
    default: {},
    min: { type: 'number' },
    max: { type: 'number' },
    min_length: { type: 'integer', minimum: 0 },
    max_length: { type: 'integer', minimum: 1 },
    pattern: { type: 'string', minLength: 1, maxLength: 1000 },
    options: {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: { type: ['string', 'number', 'boolean'] },
    },
    values: { type: 'array', minItems: 1, uniqueItems: true, items: { type: ['string', 'number', 'boolean'] } },
    precision: { type: 'integer', minimum: 1, maximum: 38 },
    scale: { type: 'integer', minimum: 0, maximum: 38 },
    references: {
      anyOf: [
        { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]{0,62}(\\.[A-Za-z_][A-Za-z0-9_]{0,62})?$' },
        {
          type: 'object',
          properties: { resource: identifier, entity: identifier, field: identifier },
          additionalProperties: false,
        },
      ],
      description: 'The resource referred to, as `users` or `users.id`.',
    },
    foreign_key: {
      type: 'object',
      description: 'DBAL: `{entity, field, on_delete}`.',
      properties: { entity: identifier, resource: identifier, field: identifier, on_delete: { enum: [...ON_DELETE] } },
      additionalProperties: false,
    },
    on_delete: { enum: [...ON_DELETE] },
    accept: {
      anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 }],
      description: 'Media types (`image/*`, `application/pdf`) or extensions (`.pdf`).',
    },
    max_size: {
      anyOf: [{ type: 'integer', minimum: 1 }, { type: 'string', pattern: '^\\s*\\d+(\\.\\d+)?\\s*([kKmMgG]i?[bB]?|[bB])?\\s*$' }],
      description: 'Bytes, or a size such as `5MB`.',
    },
    searchable: { type: 'boolean' },
    ...Object.fromEntries(MAGIC_KEYS.map((key) => [key, { type: 'boolean' }])),
    sensitive: { type: 'boolean', description: 'DBAL: never returned (same as `security.protected`).' },
    security: {
      type: 'object',
      properties: {
        protected: { type: 'boolean' },
        hash: { type: 'boolean' },
        hash_algorithm: { type: 'string' },
        pii: { type: 'boolean' },
        mask_in_logs: { type: 'boolean' },
        encrypt: { type: 'boolean' },
      },
      additionalProperties: true,
    },
    description: { type: 'string' },
    label: { type: 'string' },
    ui: {},
  },
  required: ['type'],
  additionalProperties: true,
} as const;

export const RESOURCE_FORMAT_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://db-forge.dev/schemas/resource.json',
  title: 'DB-Forge resource',
  description:
    'One resource of a DB-Forge database, in the DBBasic dialect (`resource:`) or as a MetaBuilder DBAL entity ' +
    '(`entity:`). A YAML file may hold several, as separate documents (`---`). Keys not listed here are kept and ' +
    'returned as written.',
  type: 'object',
  properties: {
    resource: { ...name, description: 'DBBasic: the resource name, which is also its table and its URL.' },
    entity: { ...name, description: 'DBAL: the entity name.' },
    database: { type: 'string', description: 'Ignored: the target database is the one the schema is applied to.' },
    version: { type: ['string', 'number'] },
    description: { type: 'string' },
    fields: {
      type: 'object',
      minProperties: 1,
      maxProperties: 500,
      propertyNames: identifier,
      additionalProperties: field,
    },
    indexes: {
      type: 'array',
      items: {
        anyOf: [
          {
            type: 'object',
            properties: {
              name: identifier,
              fields: { type: 'array', items: identifier, minItems: 1, uniqueItems: true },
              unique: { type: 'boolean' },
            },
            required: ['fields'],
            additionalProperties: false,
          },
          { type: 'array', items: identifier, minItems: 1, uniqueItems: true },
          identifier,
        ],
      },
    },
    relations: {
      type: 'object',
      description: 'DBAL: named relations (`belongs_to`, `has_many`, `many_to_many`).',
      additionalProperties: {
        type: 'object',
        properties: {
          type: { enum: ['belongs_to', 'has_one', 'has_many', 'many_to_many'] },
          entity: identifier,
          resource: identifier,
          field: identifier,
          foreign_key: identifier,
          on_delete: { enum: [...ON_DELETE] },
        },
        required: ['type'],
        additionalProperties: true,
      },
    },
    interface: {
      type: 'object',
      properties: { per_page: { type: 'integer', minimum: 1, maximum: 1000 } },
      additionalProperties: true,
    },
    hooks: {
      type: 'object',
      propertyNames: { enum: [...HOOK_EVENTS] },
      additionalProperties: hookNames,
    },
    permissions: {
      type: 'object',
      additionalProperties: permissionEntry,
    },
    acl: {
      type: 'object',
      description: 'DBAL: per operation, a map of role to true/false; becomes `permissions`.',
      additionalProperties: { type: 'object', additionalProperties: { type: 'boolean' } },
    },
    rules: rulesByEvent,
    events: { ...rulesByEvent, description: "DBBasic's name for `rules`." },
    api: { type: 'object', additionalProperties: true },
    ui: {},
    security: { type: 'object', additionalProperties: true },
  },
  anyOf: [{ required: ['resource', 'fields'] }, { required: ['entity', 'fields'] }],
  additionalProperties: true,
} as const;

/** The schema as served and written to `docs/resource-schema.json`. */
export function resourceFormatSchemaJson(): string {
  return `${JSON.stringify(RESOURCE_FORMAT_SCHEMA, null, 2)}\n`;
}
