import type { FieldDefinition, ResourceDefinition } from '@/lib/resource-model';
import type { DatabaseSchema, ResourceSchema } from '@/data/resources/schema-query';

const noSecurity = { protected: false, hash: false, pii: false, maskInLogs: false, encrypt: false };

/** A field of a definition as the schema reply serves it, with the engine's defaults. */
export function field(name: string, type: FieldDefinition['type'], more: Partial<FieldDefinition> = {}): FieldDefinition {
  const kinds: Partial<Record<FieldDefinition['type'], FieldDefinition['kind']>> = {
    primary_key: 'integer',
    datetime: 'timestamp',
    enum: 'select',
    foreign_key: 'integer',
    many_to_many: 'integer',
  };
  return {
    name,
    type,
    kind: kinds[type] ?? (type as FieldDefinition['kind']),
    primary: type === 'primary_key',
    generated: type === 'primary_key',
    required: false,
    nullable: true,
    unique: false,
    immutable: false,
    manyToMany: type === 'many_to_many',
    searchable: false,
    security: { ...noSecurity },
    extra: {},
    ...more,
  };
}

/** The CRM example's customers, roughly: every kind of control a form draws. */
export const customers: ResourceDefinition = {
  name: 'customers',
  table: 'customers',
  primaryKey: 'id',
  fields: [
    field('id', 'primary_key'),
    field('name', 'string', { required: true, nullable: false, maxLength: 100, searchable: true, extra: { label: 'Full name' } }),
    field('email', 'email', { required: true, nullable: false, unique: true, searchable: true }),
    field('notes', 'text'),
    field('credit_limit', 'decimal', { min: 0, precision: 12, scale: 2, default: 1000 }),
    field('visits', 'integer', { min: 0, max: 1000 }),
    field('vip', 'boolean', { default: false }),
    field('status', 'select', { options: ['lead', 'active', 'churned'], default: 'lead' }),
    field('birthday', 'date'),
    field('last_seen', 'timestamp'),
    field('website', 'url'),
    field('profile', 'json'),
    field('code', 'string', { pattern: '^[A-Z]{3}$', immutable: true }),
    field('company', 'foreign_key', { references: { resource: 'companies', onDelete: 'set_null' } }),
    field('secret', 'password', { kind: 'password' }),
    field('created_at', 'timestamp', { magic: 'auto_now_add' }),
  ],
  interface: { per_page: 20, list_display: ['id', 'name', 'email', 'status', 'secret', 'nope'], search_fields: ['name', 'notes'], filters: ['status', 'vip', 'credit_limit', 'secret'] },
  perPage: 20,
};

export const companies: ResourceDefinition = {
  name: 'companies',
  table: 'companies',
  primaryKey: 'id',
  fields: [field('id', 'primary_key'), field('name', 'string', { required: true })],
  interface: {},
};

export function resourceSchema(definition: ResourceDefinition, yaml = `resource: ${definition.name}\n`): ResourceSchema {
  return {
    name: definition.name,
    version: 1,
    dialect: 'dbbasic',
    updated_at: '2026-11-23T09:00:00.000Z',
    definition,
    yaml,
    warnings: [],
    versions: [],
  };
}

export function schemaReply(resources: ResourceSchema[], warnings: string[] = []): DatabaseSchema {
  return { engine: 'sqlite', resources, removed: [], warnings, hooks: { configured: [], outbox: { pending: 0, dead: 0 } } };
}
