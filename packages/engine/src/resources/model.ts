/**
 * The resource model every dialect is normalised into. The engine (migrations, validation, the REST API, OpenAPI)
 * works only on this shape, never on raw YAML.
 */

import type { FieldKind, FieldType } from '@dbforge/contracts';
// Field types and kinds are part of the wire contract (the schema API returns them; the console builds forms from them).
export { FIELD_TYPES, type FieldKind, type FieldType } from '@dbforge/contracts';

export const RULE_EVENTS = ['before_create', 'before_update', 'before_delete'] as const;
export type RuleEvent = (typeof RULE_EVENTS)[number];

export const HOOK_EVENTS = [
  'before_create',
  'before_update',
  'before_delete',
  'after_create',
  'after_update',
  'after_delete',
] as const;
export type HookEvent = (typeof HOOK_EVENTS)[number];

export const MAGIC_KEYS = ['auto_now_add', 'auto_now', 'auto_user_add', 'auto_user'] as const;
export type Magic = (typeof MAGIC_KEYS)[number];

export const ON_DELETE = ['restrict', 'cascade', 'set_null', 'no_action'] as const;
export type OnDelete = (typeof ON_DELETE)[number];

export interface FieldSecurity {
  /** Never returned by the API (it can still be written). */
  protected: boolean;
  /** Stored as an argon2id hash; never returned. `password` fields always are. */
  hash: boolean;
  /** Personal data: masked in logs. */
  pii: boolean;
  /** Masked in logs. */
  maskInLogs: boolean;
  /** Stored encrypted (AES-256-GCM with the database's key, kept outside the database file). */
  encrypt: boolean;
}

export interface Reference {
  /** The resource referred to. */
  resource: string;
  /** The referred field: the target's primary key unless given. */
  field?: string | undefined;
  onDelete: OnDelete;
}

export interface FieldDef {
  name: string;
  /** Who may see (`read`) and set (`write`) this field, beyond the resource's own permissions. */
  permissions?: { read?: PermissionSpec | undefined; write?: PermissionSpec | undefined } | undefined;
  /** The type as written (kept for the schema reply). */
  type: FieldType;
  kind: FieldKind;
  /** The primary key. */
  primary: boolean;
  /** The database generates the value (ids); clients can't set it. */
  generated: boolean;
  required: boolean;
  /** Null is an accepted value (a field that is not required is nullable unless it says otherwise). */
  nullable: boolean;
  unique: boolean;
  /** The value can't change once written. */
  immutable: boolean;
  default?: unknown;
  min?: number | undefined;
  max?: number | undefined;
  minLength?: number | undefined;
  maxLength?: number | undefined;
  pattern?: string | undefined;
  options?: string[] | undefined;
  precision?: number | undefined;
  scale?: number | undefined;
  /** `foreign_key` fields and `many_to_many` relations. */
  references?: Reference | undefined;
  /** `many_to_many`: the relation lives in a join table, not in a column. */
  manyToMany: boolean;
  /** `file`: accepted media types (`image/*`, `application/pdf`) or extensions (`.pdf`). */
  accept?: string[] | undefined;
  /** `file`: the largest upload in bytes. */
  maxSize?: number | undefined;
  searchable: boolean;
  magic?: Magic | undefined;
  /** `bigint` timestamps of DBAL files (`createdAt: {type: bigint, generated: true}`): epoch milliseconds. */
  epochMillis: boolean;
  security: FieldSecurity;
  description?: string | undefined;
  /** Keys the engine does not act on (`ui`, ...), returned as written. */
  extra: Record<string, unknown>;
}

export interface IndexDef {
  name: string;
  fields: string[];
  unique: boolean;
}

export type RuleAction = 'reject' | 'require_role' | 'set';

export interface RuleDef {
  name: string;
  event: RuleEvent;
  /** A CEL expression; the rule applies when it is true (always, without one). */
  condition?: string | undefined;
  action: RuleAction;
  message?: string | undefined;
  role?: string | undefined;
  /** `set`: field name to CEL expression. */
  set?: Record<string, string> | undefined;
}

/** A permission as written: a keyword, a map by a field's value, or a list of role and condition entries. */
export type PermissionSpec =
  | { kind: 'keyword'; keyword: string }
  | { kind: 'by_field'; field: string; values: Record<string, string> }
  | { kind: 'list'; entries: ({ role: string } | { condition: string })[] }
  /** A row rule: a CEL expression over the record's fields and `user`, applied as a SQL filter to lists. */
  | { kind: 'rule'; expression: string };

export const PERMISSION_KEYWORDS = [
  'public',
  'authenticated',
  'owner',
  'admin',
  'owner_or_admin',
  'self',
  'system',
  'none',
] as const;

export const PERMISSION_OPERATIONS = ['create', 'read', 'update', 'delete', 'list'] as const;

export interface ResourceDef {
  name: string;
  dialect: 'dbbasic' | 'dbal';
  /** The table that holds the records: the resource's name. */
  table: string;
  description?: string | undefined;
  fields: FieldDef[];
  primaryKey: string;
  indexes: IndexDef[];
  /** `interface.per_page` and the rest of `interface`, as written. */
  perPage?: number | undefined;
  interface: Record<string, unknown>;
  hooks: Partial<Record<HookEvent, string[]>>;
  permissions: Partial<Record<string, PermissionSpec>>;
  /** Named conditions (`conditions:` at the top level), CEL expressions that permission lists refer to by name. */
  conditions: Record<string, string>;
  rules: RuleDef[];
  api: Record<string, unknown>;
  ui: unknown;
  /** Top-level keys the engine does not act on, returned as written. */
  extra: Record<string, unknown>;
}

/** The acting identity, from the gateway. */
export interface Actor {
  id: string;
  roles: string[];
  /** platform: a platform key or user, acting as the database's administrator; user: one of its own users. */
  kind?: 'platform' | 'user' | 'anonymous' | undefined;
  /** May read but not change anything. */
  readonly?: boolean | undefined;
}

/** Who acts when the gateway names nobody: the platform admin, the only caller until tenants arrive. */
export const ADMIN_ACTOR: Actor = { id: 'admin', roles: ['admin'] };

/** Name of the join table of a many-to-many field. */
export function joinTableOf(resource: string, field: string): string {
  return `${resource}_${field}`;
}

/** The columns a field occupies (many-to-many fields have none). */
export function columnFields(resource: ResourceDef): FieldDef[] {
  return resource.fields.filter((f) => !f.manyToMany);
}

export function fieldOf(resource: ResourceDef, name: string): FieldDef | undefined {
  return resource.fields.find((f) => f.name === name);
}

/** Fields never returned by the API. */
export function isHidden(field: FieldDef): boolean {
  return field.security.protected || field.security.hash || field.kind === 'password';
}

/** Fields whose value the server sets: clients can't. */
export function isServerSet(field: FieldDef): boolean {
  return field.magic !== undefined || field.generated;
}
