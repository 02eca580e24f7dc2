import { isReservedTableName } from '@dbforge/contracts';
import {
  HOOK_EVENTS,
  MAGIC_KEYS,
  PERMISSION_KEYWORDS,
  RULE_EVENTS,
  type FieldDef,
  type FieldKind,
  type FieldType,
  type HookEvent,
  type IndexDef,
  type Magic,
  type OnDelete,
  type PermissionSpec,
  type ResourceDef,
  type RuleDef,
  type RuleEvent,
} from './model.js';
import type { ParsedDocument, SchemaProblem } from './parse.js';
import { pathText } from './parse.js';
import { checkExpression } from './rules.js';
import { checkFieldValue } from './values.js';

export type SchemaWarning = SchemaProblem;

export interface NormalizeOutcome {
  resources: { resource: ResourceDef; document: ParsedDocument }[];
  problems: SchemaProblem[];
  warnings: SchemaWarning[];
}

/** Field keys the engine acts on; any other key is kept and returned, with a warning (a typo is the usual cause). */
const FIELD_KEYS = new Set([
  'type', 'required', 'optional', 'nullable', 'unique', 'primary', 'generated', 'immutable', 'auto_update', 'default',
  'min', 'max', 'min_length', 'max_length', 'pattern', 'options', 'values', 'precision', 'scale', 'references',
  'foreign_key', 'on_delete', 'accept', 'max_size', 'searchable', ...MAGIC_KEYS, 'sensitive', 'security', 'description',
  'label', 'ui', 'index', 'permissions',
]);

/** Names SQLite gives a meaning of its own in every table. */
const RESERVED_FIELD_NAMES = new Set(['rowid', 'oid', '_rowid_']);

const KIND_OF: Record<FieldType, FieldKind | undefined> = {
  primary_key: 'integer',
  string: 'string',
  text: 'text',
  email: 'email',
  url: 'url',
  integer: 'integer',
  bigint: 'bigint',
  decimal: 'decimal',
  boolean: 'boolean',
  timestamp: 'timestamp',
  datetime: 'timestamp',
  date: 'date',
  select: 'select',
  enum: 'select',
  json: 'json',
  file: 'file',
  foreign_key: undefined, // the kind of the target's key, resolved later
  many_to_many: undefined,
  uuid: 'uuid',
  cuid: 'cuid',
  password: 'password',
};

const ENCRYPTABLE: ReadonlySet<FieldKind> = new Set(['string', 'text', 'email', 'url', 'json', 'select', 'date', 'timestamp']);
const TEXTUAL: ReadonlySet<FieldKind> = new Set(['string', 'text', 'email', 'url', 'password', 'select', 'uuid', 'cuid']);
const USER_KINDS: ReadonlySet<FieldKind> = new Set(['string', 'text', 'email', 'uuid', 'cuid']);
const DEFAULT_MAX_FILE = 10 * 1024 * 1024;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseSize(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kKmMgG]?)i?[bB]?\s*$/.exec(value);
  if (!match) return undefined;
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[match[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Math.round(Number(match[1]) * unit);
}

/**
 * Turns parsed documents of either dialect into resources, checking what the JSON Schema can't: types and their
 * options, defaults, magic fields, security flags, indexes, rules and permissions. Problems and warnings carry the
 * line and column of the YAML they are about.
 */
export function normalizeDocuments(documents: ParsedDocument[]): NormalizeOutcome {
  const problems: SchemaProblem[] = [];
  const warnings: SchemaWarning[] = [];
  const resources: NormalizeOutcome['resources'] = [];
  const seen = new Map<string, number>();

  for (const document of documents) {
    const raw = document.value;
    const dialect = typeof raw.entity === 'string' && typeof raw.resource !== 'string' ? 'dbal' : 'dbbasic';
    const name = (dialect === 'dbal' ? raw.entity : raw.resource) as string | undefined;
    if (typeof name !== 'string' || !isRecord(raw.fields)) continue; // the schema already said why
    const report = (list: SchemaProblem[]) => (path: (string | number)[], message: string, key = false) =>
      list.push({ document: document.index, resource: name, path: pathText(path), ...document.locate(path, key), message });
    const problem = report(problems);
    const warn = report(warnings);
    const before = problems.length;

    const nameKey = dialect === 'dbal' ? 'entity' : 'resource';
    if (isReservedTableName(name)) problem([nameKey], 'uses a prefix reserved for the engine or DB-Forge');
    if (seen.has(name.toLowerCase())) problem([nameKey], `repeats the resource '${name}' (document ${seen.get(name.toLowerCase())! + 1})`);
    seen.set(name.toLowerCase(), document.index);

    const fields: FieldDef[] = [];
    const neverExpose = new Set<string>(
      isRecord(raw.security) && Array.isArray(raw.security.never_expose) ? raw.security.never_expose.map(String) : [],
    );
    for (const [fieldName, spec] of Object.entries(raw.fields)) {
      if (!isRecord(spec) || typeof spec.type !== 'string') continue;
      const field = normalizeField(fieldName, spec, dialect, (path, message, key) => problem(['fields', fieldName, ...path], message, key), (path, message, key) => warn(['fields', fieldName, ...path], message, key));
      if (field === undefined) continue;
      if (RESERVED_FIELD_NAMES.has(fieldName.toLowerCase())) problem(['fields', fieldName], `'${fieldName}' is a name SQLite reserves`, true);
      if (fields.some((f) => f.name.toLowerCase() === fieldName.toLowerCase())) {
        problem(['fields', fieldName], `repeats the field '${fieldName}' (names are compared regardless of case)`, true);
      }
      if (neverExpose.has(fieldName)) field.security.protected = true;
      fields.push(field);
    }

    // DBAL relations: belongs_to puts a reference on a field; many_to_many adds a relation field.
    if (isRecord(raw.relations)) {
      for (const [relationName, relation] of Object.entries(raw.relations)) {
        if (!isRecord(relation)) continue;
        const target = (relation.entity ?? relation.resource) as string | undefined;
        const onDelete = (relation.on_delete as OnDelete | undefined) ?? 'restrict';
        if (typeof target !== 'string') {
          if (relation.type !== 'has_many' && relation.type !== 'has_one') problem(['relations', relationName], 'needs `entity`');
          continue;
        }
        if (relation.type === 'belongs_to') {
          const fieldName = (relation.field ?? relation.foreign_key ?? `${relationName}Id`) as string;
          const field = fields.find((f) => f.name === fieldName);
          if (field === undefined) {
            problem(['relations', relationName], `names the field '${fieldName}', which is not among the fields`);
          } else {
            field.references = { resource: target, onDelete };
          }
        } else if (relation.type === 'many_to_many') {
          if (fields.some((f) => f.name === relationName)) {
            problem(['relations', relationName], `is also a field name`, true);
          } else {
            fields.push(manyToManyField(relationName, target, onDelete));
          }
        }
        // has_many and has_one are the other side of a belongs_to: nothing to store here.
      }
    }

    // Every resource has a primary key: one that generates ids when the config names none.
    let primary = fields.filter((f) => f.primary);
    if (primary.length === 0) {
      if (fields.some((f) => f.name === 'id')) {
        problem(['fields', 'id'], 'is named `id` but is not the primary key: make it `type: primary_key` (or `primary: true`) or rename it', true);
      } else {
        fields.unshift(primaryKeyField('id'));
        primary = [fields[0]!];
      }
    } else if (primary.length > 1) {
      for (const f of primary.slice(1)) problem(['fields', f.name], 'is a second primary key: a resource has exactly one', true);
    }
    const pk = primary[0];

    const indexes = normalizeIndexes(name, raw.indexes, fields, problem);
    const hooks = normalizeHooks(raw.hooks, problem);
    const rules = normalizeRules(raw, fields, problem, warn);
    const conditions = normalizeConditions(raw, problem);
    const permissions = normalizePermissions(raw, fields, problem, warn, conditions);
    for (const field of fields) {
      const spec = (raw.fields as Record<string, Record<string, unknown>>)[field.name]?.permissions;
      if (spec === undefined) continue;
      if (!isRecord(spec)) {
        problem(['fields', field.name, 'permissions'], 'must be a map of `read` and `write`');
        continue;
      }
      field.permissions = {};
      for (const operation of ['read', 'write'] as const) {
        if (spec[operation] === undefined) continue;
        field.permissions[operation] = parseSpec(spec[operation], ['fields', field.name, 'permissions', operation], fields, problem, warn, conditions);
      }
      for (const key of Object.keys(spec)) {
        if (key !== 'read' && key !== 'write') warn(['fields', field.name, 'permissions', key], 'is not an operation of a field (read, write)', true);
      }
    }

    const ui = raw.ui;
    const iface = isRecord(raw.interface) ? raw.interface : {};
    const api = isRecord(raw.api) ? raw.api : {};
    const known = new Set([
      'resource', 'entity', 'database', 'description', 'fields', 'indexes', 'relations', 'interface', 'hooks', 'permissions',
      'acl', 'rules', 'events', 'api', 'ui', 'conditions',
    ]);
    const extra: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(raw)) if (!known.has(key)) extra[key] = value;
    if (raw.database !== undefined) extra.database = raw.database;

    if (problems.length > before || pk === undefined) continue;
    resources.push({
      document,
      resource: {
        name,
        dialect,
        table: name,
        description: typeof raw.description === 'string' ? raw.description : undefined,
        fields,
        primaryKey: pk.name,
        indexes,
        perPage: typeof iface.per_page === 'number' ? iface.per_page : undefined,
        interface: iface,
        hooks,
        permissions,
        conditions,
        rules,
        api,
        ui,
        extra,
      },
    });
  }
  return { resources, problems, warnings };
}

type Report = (path: (string | number)[], message: string, key?: boolean) => void;

function blankSecurity(): FieldDef['security'] {
  return { protected: false, hash: false, pii: false, maskInLogs: false, encrypt: false };
}

function primaryKeyField(name: string): FieldDef {
  return {
    name,
    type: 'primary_key',
    kind: 'integer',
    primary: true,
    generated: true,
    required: false,
    nullable: false,
    unique: false,
    immutable: true,
    manyToMany: false,
    searchable: false,
    epochMillis: false,
    security: blankSecurity(),
    extra: {},
  };
}

function manyToManyField(name: string, target: string, onDelete: OnDelete): FieldDef {
  return {
    name,
    type: 'many_to_many',
    kind: 'integer',
    primary: false,
    generated: false,
    required: false,
    nullable: false,
    unique: false,
    immutable: false,
    manyToMany: true,
    references: { resource: target, onDelete: onDelete === 'set_null' ? 'cascade' : onDelete },
    searchable: false,
    epochMillis: false,
    security: blankSecurity(),
    extra: {},
  };
}

function normalizeField(
  name: string,
  spec: Record<string, unknown>,
  dialect: 'dbbasic' | 'dbal',
  problem: Report,
  warn: Report,
): FieldDef | undefined {
  const type = spec.type as FieldType;
  const security = blankSecurity();
  const rawSecurity = isRecord(spec.security) ? spec.security : {};
  security.protected = rawSecurity.protected === true || spec.sensitive === true;
  security.hash = rawSecurity.hash === true || (typeof rawSecurity.hash_algorithm === 'string' && rawSecurity.hash !== false);
  security.pii = rawSecurity.pii === true;
  security.maskInLogs = rawSecurity.mask_in_logs === true;
  security.encrypt = rawSecurity.encrypt === true;
  if (typeof rawSecurity.hash_algorithm === 'string' && rawSecurity.hash_algorithm.toLowerCase() !== 'argon2id') {
    warn(['security', 'hash_algorithm'], `'${rawSecurity.hash_algorithm}' is not used: DB-Forge hashes with argon2id`);
  }

  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(spec)) {
    if (!FIELD_KEYS.has(key)) {
      extra[key] = value;
      warn([key], 'is not a key the engine acts on; it is kept as written', true);
    }
  }
  if (spec.ui !== undefined) extra.ui = spec.ui;
  if (spec.label !== undefined) extra.label = spec.label;

  const field: FieldDef = {
    name,
    type,
    kind: KIND_OF[type] ?? 'integer',
    primary: spec.primary === true || type === 'primary_key',
    generated: type === 'primary_key' || (spec.generated === true && (spec.primary === true || ['uuid', 'cuid'].includes(type))),
    required: spec.required === true || (dialect === 'dbal' && spec.required === undefined && spec.optional === false),
    nullable: true,
    unique: spec.unique === true,
    immutable: spec.immutable === true,
    default: spec.default,
    min: typeof spec.min === 'number' ? spec.min : undefined,
    max: typeof spec.max === 'number' ? spec.max : undefined,
    minLength: typeof spec.min_length === 'number' ? spec.min_length : undefined,
    maxLength: typeof spec.max_length === 'number' ? spec.max_length : undefined,
    pattern: typeof spec.pattern === 'string' ? spec.pattern : undefined,
    manyToMany: type === 'many_to_many',
    searchable: spec.searchable === true,
    epochMillis: false,
    security,
    description: typeof spec.description === 'string' ? spec.description : undefined,
    extra,
  };
  if (spec.optional === true && spec.required === true) problem(['optional'], 'contradicts `required: true`');
  field.nullable = spec.nullable === false ? false : !field.required || spec.nullable === true;
  if (field.primary) {
    field.required = false;
    field.nullable = false;
    field.immutable = true;
  }

  // Magic fields: set by the server from the clock or the acting identity.
  const magic = MAGIC_KEYS.filter((key) => spec[key] === true);
  if (spec.auto_update === true) magic.push('auto_now');
  if (dialect === 'dbal' && spec.generated === true && !field.primary && ['datetime', 'timestamp', 'bigint', 'date'].includes(type)) {
    magic.push('auto_now_add');
  }
  const distinct = [...new Set(magic)] as Magic[];
  if (distinct.length > 1) problem([distinct[1]!], `can't be combined with \`${distinct[0]}\``);
  field.magic = distinct[0];
  if (field.magic === 'auto_now_add' || field.magic === 'auto_now') {
    if (type === 'bigint') field.epochMillis = true;
    else if (field.kind !== 'timestamp' && field.kind !== 'date') problem([field.magic], 'needs a `timestamp`, `datetime`, `date` or `bigint` field');
  }
  if ((field.magic === 'auto_user_add' || field.magic === 'auto_user') && !USER_KINDS.has(field.kind) && type !== 'foreign_key') {
    problem([field.magic], 'needs a `string`, `text`, `email`, `uuid` or `cuid` field (it holds the id of the acting user)');
  }
  if (field.magic !== undefined) field.required = false;
  if (field.magic === 'auto_now_add' || field.magic === 'auto_user_add') field.immutable = true;

  switch (type) {
    case 'select':
    case 'enum': {
      const options = (spec.options ?? spec.values) as unknown[] | undefined;
      if (!Array.isArray(options)) problem([], `a \`${type}\` field needs \`${type === 'enum' ? 'values' : 'options'}\``);
      else field.options = options.map(String);
      break;
    }
    case 'decimal': {
      field.precision = typeof spec.precision === 'number' ? spec.precision : 10;
      field.scale = typeof spec.scale === 'number' ? spec.scale : 2;
      if (field.scale > field.precision) problem(['scale'], `must not exceed precision (${field.precision})`);
      break;
    }
    case 'foreign_key': {
      const ref = spec.references;
      if (ref === undefined && !isRecord(spec.foreign_key)) problem([], 'a `foreign_key` field needs `references`');
      break;
    }
    case 'many_to_many': {
      if (spec.references === undefined) problem([], 'a `many_to_many` field needs `references`');
      if (field.required) problem(['required'], "can't be used on a `many_to_many` field");
      break;
    }
    case 'file': {
      const accept = spec.accept;
      field.accept = accept === undefined ? undefined : (Array.isArray(accept) ? accept : String(accept).split(',')).map((a) => String(a).trim()).filter(Boolean);
      field.maxSize = spec.max_size === undefined ? DEFAULT_MAX_FILE : parseSize(spec.max_size);
      if (field.maxSize === undefined) problem(['max_size'], 'must be a number of bytes or a size such as `5MB`');
      break;
    }
    case 'password':
      field.security.hash = true;
      break;
    default:
      break;
  }

  // References, in either dialect.
  const fk = isRecord(spec.foreign_key) ? spec.foreign_key : undefined;
  const ref = spec.references;
  if (ref !== undefined || fk !== undefined) {
    let resource: string | undefined;
    let targetField: string | undefined;
    if (typeof ref === 'string') [resource, targetField] = ref.split('.') as [string, string | undefined];
    else if (isRecord(ref)) {
      resource = (ref.resource ?? ref.entity) as string | undefined;
      targetField = ref.field as string | undefined;
    } else if (fk) {
      resource = (fk.entity ?? fk.resource) as string | undefined;
      targetField = fk.field as string | undefined;
    }
    const onDelete = ((spec.on_delete ?? fk?.on_delete) as OnDelete | undefined) ?? (field.manyToMany ? 'cascade' : 'restrict');
    if (resource === undefined) problem([fk ? 'foreign_key' : 'references'], 'needs the resource it refers to');
    else field.references = { resource, field: targetField, onDelete };
    if (onDelete === 'set_null' && field.required) problem(['on_delete'], "`set_null` can't be used on a required field");
  } else if (spec.on_delete !== undefined) {
    problem(['on_delete'], 'only applies to `foreign_key` and `many_to_many` fields', true);
  }

  // Keys that only make sense for some types.
  const numeric = field.kind === 'integer' || field.kind === 'bigint' || field.kind === 'decimal';
  if ((field.min !== undefined || field.max !== undefined) && !numeric && !field.epochMillis) {
    problem([field.min !== undefined ? 'min' : 'max'], 'only applies to `integer`, `bigint` and `decimal` fields (use `min_length`/`max_length` for text)', true);
  }
  if (field.min !== undefined && field.max !== undefined && field.min > field.max) problem(['min'], `must not exceed max (${field.max})`);
  if ((field.minLength !== undefined || field.maxLength !== undefined || field.pattern !== undefined) && !TEXTUAL.has(field.kind)) {
    const key = field.pattern !== undefined ? 'pattern' : field.minLength !== undefined ? 'min_length' : 'max_length';
    problem([key], 'only applies to text fields', true);
  }
  if (field.minLength !== undefined && field.maxLength !== undefined && field.minLength > field.maxLength) {
    problem(['min_length'], `must not exceed max_length (${field.maxLength})`);
  }
  if (field.pattern !== undefined) {
    try {
      new RegExp(field.pattern, 'u');
    } catch (error) {
      problem(['pattern'], `is not a valid regular expression: ${(error as Error).message}`);
    }
  }
  if (field.security.encrypt) {
    if (!ENCRYPTABLE.has(field.kind) || field.primary || type === 'foreign_key') {
      problem(['security', 'encrypt'], `can't be used on a \`${type}\` field`);
    }
    if (field.unique) problem(['security', 'encrypt'], "can't be combined with `unique`: encrypted values differ even when equal");
    if (field.searchable) problem(['security', 'encrypt'], "can't be combined with `searchable`");
  }
  if (field.security.hash) {
    if (!TEXTUAL.has(field.kind) || field.primary) problem(['security'], `hashing can't be used on a \`${type}\` field`);
    if (field.unique || field.searchable) problem(['security'], "a hashed field can't be `unique` or `searchable`");
    if (field.security.encrypt) problem(['security', 'encrypt'], "can't be combined with hashing");
  }
  if (field.searchable && !TEXTUAL.has(field.kind)) problem(['searchable'], 'only applies to text fields', true);
  if (field.unique && (field.manyToMany || field.kind === 'json' || field.kind === 'file')) problem(['unique'], `can't be used on a \`${type}\` field`, true);
  if (field.primary && !['integer', 'bigint', 'uuid', 'cuid', 'string'].includes(field.kind)) {
    problem(['type'], 'a primary key must be `primary_key`, `integer`, `bigint`, `uuid`, `cuid` or `string`');
  }
  if (field.primary && field.generated && field.kind === 'string') problem(['generated'], 'a `string` key is never generated: use `uuid` or `cuid`');

  // Defaults are checked as values of the field, so that a bad one is refused now rather than on every insert.
  if (spec.default !== undefined) {
    if (field.primary || field.manyToMany || field.kind === 'file' || field.magic !== undefined) {
      problem(['default'], `can't be used on this field`, true);
    } else if (!((field.kind === 'timestamp' || field.kind === 'date') && typeof spec.default === 'string' && /^(now|current_timestamp|current_date)$/i.test(spec.default))) {
      const message = checkFieldValue(field, spec.default);
      if (message !== undefined) problem(['default'], `is not a valid value: ${message}`);
    }
  }
  return field;
}

function normalizeIndexes(table: string, raw: unknown, fields: FieldDef[], problem: Report): IndexDef[] {
  const indexes: IndexDef[] = [];
  const names = new Set<string>();
  const add = (index: IndexDef, path: (string | number)[]) => {
    if (names.has(index.name.toLowerCase())) {
      problem(path, `repeats the index name '${index.name}'`);
      return;
    }
    names.add(index.name.toLowerCase());
    indexes.push(index);
  };
  for (const field of fields) {
    if (field.primary || field.manyToMany) continue;
    if (field.unique) add({ name: `ux_${table}_${field.name}`, fields: [field.name], unique: true }, ['fields', field.name, 'unique']);
    else if (field.references) add({ name: `ix_${table}_${field.name}`, fields: [field.name], unique: false }, ['fields', field.name]);
  }
  if (!Array.isArray(raw)) return indexes;
  raw.forEach((entry, i) => {
    const spec = Array.isArray(entry) ? { fields: entry } : typeof entry === 'string' ? { fields: [entry] } : isRecord(entry) ? entry : undefined;
    if (spec === undefined || !Array.isArray(spec.fields)) return;
    const list = spec.fields.map(String);
    const bad = list.find((f) => {
      const field = fields.find((x) => x.name === f);
      return field === undefined || field.manyToMany;
    });
    if (bad !== undefined) {
      problem(['indexes', i], `names '${bad}', which is not a column of this resource`);
      return;
    }
    const unique = spec.unique === true;
    // An index that a field already implies (`unique: true` on it) is not made twice.
    if (list.length === 1 && indexes.some((x) => x.fields.length === 1 && x.fields[0] === list[0] && (x.unique || !unique))) {
      const existing = indexes.find((x) => x.fields[0] === list[0])!;
      if (unique) existing.unique = true;
      return;
    }
    const name = typeof spec.name === 'string' ? spec.name : `${unique ? 'ux' : 'ix'}_${table}_${list.join('_')}`;
    if (isReservedTableName(name)) {
      problem(['indexes', i, 'name'], 'uses a prefix reserved for the engine or DB-Forge');
      return;
    }
    add({ name, fields: list, unique }, ['indexes', i]);
  });
  return indexes;
}

function normalizeHooks(raw: unknown, problem: Report): Partial<Record<HookEvent, string[]>> {
  const hooks: Partial<Record<HookEvent, string[]>> = {};
  if (!isRecord(raw)) return hooks;
  for (const event of HOOK_EVENTS) {
    const value = raw[event];
    if (value === undefined) continue;
    const names = (Array.isArray(value) ? value : [value]).map(String);
    if (names.length > 10) problem(['hooks', event], 'names more than 10 hooks');
    hooks[event] = names;
  }
  return hooks;
}

function normalizeRules(raw: Record<string, unknown>, fields: FieldDef[], problem: Report, warn: Report): RuleDef[] {
  const rules: RuleDef[] = [];
  for (const key of ['rules', 'events'] as const) {
    const byEvent = raw[key];
    if (!isRecord(byEvent)) continue;
    for (const event of RULE_EVENTS) {
      const list = byEvent[event];
      if (!Array.isArray(list)) continue;
      list.forEach((entry, i) => {
        if (!isRecord(entry)) return;
        const at = (...rest: (string | number)[]) => [key, event, i, ...rest];
        const action = entry.action === 'require_approval' ? 'require_role' : (entry.action as RuleDef['action']);
        const rule: RuleDef = {
          name: String(entry.name ?? entry.rule ?? `${event}_${i + 1}`),
          event: event as RuleEvent,
          condition: (entry.condition ?? entry.when) as string | undefined,
          action,
          message: typeof entry.message === 'string' ? entry.message : undefined,
          role: (entry.role ?? entry.approver_role) as string | undefined,
          set: isRecord(entry.set) ? (entry.set as Record<string, string>) : undefined,
        };
        if (entry.action === 'require_approval') {
          warn(at('action'), '`require_approval` is applied as `require_role`: the write needs the approver role');
        }
        if (rule.condition !== undefined) {
          const error = checkExpression(rule.condition);
          if (error) problem(at(entry.condition !== undefined ? 'condition' : 'when'), `is not a valid CEL expression: ${error}`);
        }
        if (action === 'require_role' && rule.role === undefined) problem(at(), '`require_role` needs `role`');
        if (action === 'set') {
          if (rule.set === undefined) problem(at(), '`set` needs `set: {field: expression}`');
          else if (event === 'before_delete') problem(at('action'), "`set` can't be used before a delete");
          else {
            for (const [fieldName, expression] of Object.entries(rule.set)) {
              const field = fields.find((f) => f.name === fieldName);
              if (field === undefined) problem(at('set', fieldName), 'is not a field of this resource', true);
              else if (field.primary || field.magic || field.manyToMany || field.kind === 'file' || field.security.hash) {
                problem(at('set', fieldName), "can't be set by a rule", true);
              }
              const error = checkExpression(String(expression));
              if (error) problem(at('set', fieldName), `is not a valid CEL expression: ${error}`);
            }
          }
        }
        rules.push(rule);
      });
    }
  }
  return rules;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function normalizeConditions(raw: Record<string, unknown>, problem: Report): Record<string, string> {
  const out: Record<string, string> = {};
  if (raw.conditions === undefined) return out;
  if (!isRecord(raw.conditions)) {
    problem(['conditions'], 'must be a map of names to expressions');
    return out;
  }
  for (const [name, expression] of Object.entries(raw.conditions)) {
    if (typeof expression !== 'string') {
      problem(['conditions', name], 'must be an expression (a string)');
      continue;
    }
    const error = checkExpression(expression);
    if (error) problem(['conditions', name], `is not a valid CEL expression: ${error}`);
    else out[name] = expression;
  }
  return out;
}

/**
 * One operation's permission: a keyword (or a role name), a row rule (an expression), a map keyed by a field's
 * values, or a list of roles and conditions (by name, or written out).
 */
function parseSpec(
  spec: unknown,
  at: (string | number)[],
  fields: FieldDef[],
  problem: Report,
  warn: Report,
  conditions: Record<string, string>,
): PermissionSpec | undefined {
  if (typeof spec === 'boolean') return { kind: 'keyword', keyword: spec ? 'public' : 'none' };
  if (typeof spec === 'string') {
    const text = spec.trim();
    if ((PERMISSION_KEYWORDS as readonly string[]).includes(text) || text === 'admin_only') return { kind: 'keyword', keyword: text };
    if (IDENTIFIER.test(text)) {
      warn(at, `'${text}' is not a keyword (${PERMISSION_KEYWORDS.join(', ')}): it is read as a role name`);
      return { kind: 'keyword', keyword: text };
    }
    const error = checkExpression(text);
    if (error) {
      problem(at, `is neither a keyword nor a valid CEL row rule: ${error}`);
      return undefined;
    }
    return { kind: 'rule', expression: text };
  }
  if (Array.isArray(spec)) {
    const entries: ({ role: string } | { condition: string })[] = [];
    spec.forEach((entry, i) => {
      if (!isRecord(entry)) return;
      if (typeof entry.role === 'string') entries.push({ role: entry.role });
      if (typeof entry.condition === 'string') {
        const name = entry.condition.trim();
        if (IDENTIFIER.test(name) && conditions[name] === undefined) {
          // A condition nobody defined grants nothing: it fails closed.
          warn([...at, i, 'condition'], `names the condition '${name}', which \`conditions:\` does not define: it grants nothing`);
        } else if (!IDENTIFIER.test(name)) {
          const error = checkExpression(name);
          if (error) problem([...at, i, 'condition'], `is not a valid CEL expression: ${error}`);
        }
        entries.push({ condition: name });
      }
    });
    return { kind: 'list', entries };
  }
  if (isRecord(spec)) {
    const values: Record<string, string> = {};
    let fieldName = typeof spec.field === 'string' ? spec.field : undefined;
    for (const [key, value] of Object.entries(spec)) if (key !== 'field') values[key] = String(value);
    if (fieldName === undefined) {
      const candidates = fields.filter((f) => f.options && Object.keys(values).every((v) => f.options!.includes(v)));
      if (candidates.length === 1) fieldName = candidates[0]!.name;
      else if (fields.some((f) => f.name === 'status')) fieldName = 'status';
    }
    if (fieldName === undefined || !fields.some((f) => f.name === fieldName)) {
      problem(at, "is keyed by a field's values, but which field is unclear: name it with `field:`");
      return undefined;
    }
    return { kind: 'by_field', field: fieldName, values };
  }
  problem(at, 'must be a keyword, an expression, a list of roles and conditions, or a map keyed by a field\'s values');
  return undefined;
}

function normalizePermissions(
  raw: Record<string, unknown>,
  fields: FieldDef[],
  problem: Report,
  warn: Report,
  conditions: Record<string, string>,
): Partial<Record<string, PermissionSpec>> {
  const out: Partial<Record<string, PermissionSpec>> = {};
  if (isRecord(raw.permissions)) {
    for (const [operation, spec] of Object.entries(raw.permissions)) {
      const parsed = parseSpec(spec, ['permissions', operation], fields, problem, warn, conditions);
      if (parsed !== undefined) out[operation] = parsed;
    }
  }
  // DBAL: per operation, a map of role to true or false.
  if (isRecord(raw.acl)) {
    for (const [operation, roles] of Object.entries(raw.acl)) {
      if (!isRecord(roles) || out[operation] !== undefined) continue;
      const allowed = Object.entries(roles).filter(([, v]) => v === true).map(([role]) => role);
      out[operation] = allowed.includes('public')
        ? { kind: 'keyword', keyword: 'public' }
        : { kind: 'list', entries: allowed.map((role) => ({ role: role === 'self' ? 'owner' : role })) };
    }
  }
  return out;
}
