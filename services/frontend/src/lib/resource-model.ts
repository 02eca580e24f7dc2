import { toLocalDateTime } from './format';

/**
 * A resource as `GET /api/db/{name}/schema` answers it (its `definition`, the engine's normalised model), and what the
 * console builds from it: the data browser's columns, search and filters (from the `interface` and `ui` keys, which
 * the engine keeps and returns without acting on them, `per_page` aside) and the record forms (from the field types).
 *
 * Only what the console reads is typed here; the definition carries more (rules, permissions, hooks).
 */

import type { FieldKind, FieldType } from '@dbforge/contracts';
/** Field types as written in the YAML, and what each is stored and checked as: the engine's, from the contracts. */
export type { FieldKind, FieldType } from '@dbforge/contracts';

export interface FieldDefinition {
  name: string;
  type: FieldType;
  kind: FieldKind;
  primary: boolean;
  generated: boolean;
  required: boolean;
  nullable: boolean;
  unique: boolean;
  immutable: boolean;
  default?: unknown;
  min?: number;
  max?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  options?: string[];
  precision?: number;
  scale?: number;
  references?: { resource: string; field?: string; onDelete: string };
  manyToMany: boolean;
  searchable: boolean;
  magic?: 'auto_now_add' | 'auto_now' | 'auto_user_add' | 'auto_user';
  security: { protected: boolean; hash: boolean; pii: boolean; maskInLogs: boolean; encrypt: boolean };
  description?: string;
  /** Keys the engine does not act on (`label`, `ui`, ...), as written. */
  extra: Record<string, unknown>;
}

export interface ResourceDefinition {
  name: string;
  table: string;
  description?: string;
  fields: FieldDefinition[];
  primaryKey: string;
  perPage?: number;
  interface: Record<string, unknown>;
  ui?: unknown;
  /** Hook names by event (`before_create: [verify_customer]`). */
  hooks?: Partial<Record<string, string[]>>;
}

/* ------------------------------------------------------------------ reading fields */

/** Never returned by the API: protected, hashed and password fields. */
export function isHidden(field: FieldDefinition): boolean {
  return field.security.protected || field.security.hash || field.kind === 'password';
}

/** Set by the server (generated keys, magic fields): a client that sends one is refused. */
export function isServerSet(field: FieldDefinition): boolean {
  return field.generated || field.magic !== undefined;
}

/** Whether the list API can filter on the field (400 otherwise); a many-to-many field filters by a linked key. */
export function isFilterable(field: FieldDefinition): boolean {
  return !isHidden(field) && !field.security.encrypt && field.kind !== 'file';
}

/** Whether the list API can sort on the field (400 otherwise). */
export function isSortable(field: FieldDefinition): boolean {
  return isFilterable(field) && !field.manyToMany && field.kind !== 'json';
}

/** The field's `label` (kept from the YAML), for hints; forms and columns are named by the field's name. */
export function fieldLabel(field: FieldDefinition): string | undefined {
  const label = field.extra?.label;
  return typeof label === 'string' && label.trim() !== '' && label !== field.name ? label : undefined;
}

/* ------------------------------------------------------------------ the interface keys */

export interface BrowserConfig {
  /** The table's columns. */
  columns: string[];
  /** Whether the list offers a search box (the API's `q=`, over the `searchable` fields). */
  search: boolean;
  /** The fields `q=` searches: the resource's `searchable` fields. */
  searchedFields: string[];
  /** Fields named in `search_fields` that the API does not search (they need `searchable: true`). */
  unsearchable: string[];
  /** Fields with a filter control. */
  filters: FieldDefinition[];
  /** The page size. */
  perPage: number;
}

function stringList(value: unknown): string[] | undefined {
  if (typeof value === 'string' && value.trim() !== '') return value.split(',').map((v) => v.trim()).filter(Boolean);
  if (Array.isArray(value)) {
    const names = value.filter((v): v is string => typeof v === 'string' && v.trim() !== '');
    return names.length > 0 ? names : undefined;
  }
  return undefined;
}

/** A key of `interface`, else of `ui` (where DBBasic files often put the same things), under any of its names. */
function interfaceList(resource: ResourceDefinition, ...keys: string[]): string[] | undefined {
  const ui = typeof resource.ui === 'object' && resource.ui !== null ? (resource.ui as Record<string, unknown>) : {};
  for (const source of [resource.interface ?? {}, ui]) {
    for (const key of keys) {
      const list = stringList(source[key]);
      if (list) return list;
    }
  }
  return undefined;
}

/** The most columns shown when the resource names none. */
const DEFAULT_COLUMNS = 6;
export const DEFAULT_PER_PAGE = 25;

/**
 * The data browser of a resource, from its `interface` keys:
 * - `list_display` (or `ui.list_columns`): the columns; by default the key and the first readable fields.
 * - `search_fields`: a search box. The API's `q=` searches the fields marked `searchable`; a box is also offered when
 *   some field is searchable and `search_fields` is not written.
 * - `filters` (or `list_filter`): a control per field: options for selects and booleans, a range for numbers and
 *   times, equality for the rest.
 * - `per_page`: the page size (the API's own default too).
 * Names that are not readable fields are left out.
 */
export function browserConfig(resource: ResourceDefinition): BrowserConfig {
  const byName = new Map(resource.fields.map((f) => [f.name, f]));
  const readable = resource.fields.filter((f) => !isHidden(f));
  const readableName = (name: string) => byName.has(name) && !isHidden(byName.get(name)!);

  const listed = interfaceList(resource, 'list_display', 'list_columns', 'columns')?.filter(readableName);
  const columns =
    listed && listed.length > 0
      ? listed
      : [resource.primaryKey, ...readable.map((f) => f.name).filter((n) => n !== resource.primaryKey)]
          .filter(readableName)
          .slice(0, DEFAULT_COLUMNS);

  const searchable = resource.fields.filter((f) => f.searchable && isFilterable(f)).map((f) => f.name);
  const named = interfaceList(resource, 'search_fields');
  const searchedFields = named ? named.filter((n) => searchable.includes(n)) : searchable;
  const unsearchable = named ? named.filter((n) => !searchable.includes(n)) : [];

  const filters = (interfaceList(resource, 'filters', 'list_filter') ?? [])
    .map((name) => byName.get(name))
    .filter((f): f is FieldDefinition => f !== undefined && isFilterable(f));

  const perPage =
    typeof resource.perPage === 'number' && resource.perPage > 0
      ? resource.perPage
      : typeof resource.interface?.per_page === 'number' && resource.interface.per_page > 0
        ? resource.interface.per_page
        : DEFAULT_PER_PAGE;

  return { columns, search: searchedFields.length > 0, searchedFields, unsearchable, filters, perPage: Math.min(perPage, 1000) };
}

/** How a filter control asks for its field. */
export type FilterControl = 'options' | 'boolean' | 'range' | 'text';

export function filterControl(field: FieldDefinition): FilterControl {
  if (field.kind === 'select' && field.options && field.options.length > 0) return 'options';
  if (field.kind === 'boolean') return 'boolean';
  if (['integer', 'bigint', 'decimal', 'timestamp', 'date'].includes(field.kind) && !field.references) return 'range';
  return 'text';
}

/* ------------------------------------------------------------------ forms */

/** The control a form field is drawn with. */
export type InputKind =
  | 'text'
  | 'textarea'
  | 'email'
  | 'url'
  | 'password'
  | 'integer'
  | 'bigint'
  | 'decimal'
  | 'checkbox'
  | 'select'
  | 'date'
  | 'datetime'
  | 'json'
  | 'reference'
  | 'references';

export interface FormField {
  field: FieldDefinition;
  input: InputKind;
  required: boolean;
  /** Can't be changed once written: shown, not editable, when editing. */
  locked: boolean;
  /** Constraints in words, for the hint under the control. */
  constraints: string[];
}

function inputKind(field: FieldDefinition): InputKind {
  if (field.manyToMany) return 'references';
  if (field.references) return 'reference';
  switch (field.kind) {
    case 'text':
      return 'textarea';
    case 'email':
    case 'url':
    case 'password':
    case 'integer':
    case 'bigint':
    case 'decimal':
    case 'date':
    case 'json':
      return field.kind;
    case 'boolean':
      return 'checkbox';
    case 'select':
      return 'select';
    case 'timestamp':
      return 'datetime';
    default:
      return 'text';
  }
}

function constraintsOf(field: FieldDefinition): string[] {
  const words: string[] = [];
  if (field.minLength !== undefined && field.maxLength !== undefined) words.push(`${field.minLength}–${field.maxLength} characters`);
  else if (field.minLength !== undefined) words.push(`at least ${field.minLength} characters`);
  else if (field.maxLength !== undefined) words.push(`at most ${field.maxLength} characters`);
  if (field.min !== undefined && field.max !== undefined) words.push(`from ${field.min} to ${field.max}`);
  else if (field.min !== undefined) words.push(`at least ${field.min}`);
  else if (field.max !== undefined) words.push(`at most ${field.max}`);
  if (field.kind === 'decimal' && field.scale !== undefined) words.push(`up to ${field.scale} decimals`);
  if (field.pattern !== undefined) words.push(`matches ${field.pattern}`);
  if (field.kind === 'url') words.push('an http or https URL');
  if (field.kind === 'json') words.push('JSON');
  if (field.references) words.push(field.manyToMany ? `keys of ${field.references.resource}, comma-separated` : `a key of ${field.references.resource}`);
  if (field.unique) words.push('unique');
  if (isHidden(field)) words.push('never shown again once saved');
  return words;
}

/**
 * The fields a create or edit form asks for, in the resource's order: every field but those the server sets (keys it
 * generates, magic fields) and files (uploaded on their own route).
 */
export function formFields(resource: ResourceDefinition): FormField[] {
  return resource.fields
    .filter((f) => !isServerSet(f) && f.kind !== 'file')
    .map((field) => ({
      field,
      input: inputKind(field),
      // A required boolean is a checkbox, which always has a value.
      required: field.required && field.kind !== 'boolean',
      locked: field.immutable || field.primary,
      constraints: constraintsOf(field),
    }));
}

/** A form's values, as the controls hold them. */
export type FormValues = Record<string, string | boolean>;

/** The controls' values for a record (an empty form when there is none). Hidden fields start empty: they are never read. */
export function initialValues(fields: readonly FormField[], record?: Record<string, unknown>): FormValues {
  const values: FormValues = {};
  for (const { field, input } of fields) {
    const value = record ? record[field.name] : field.default;
    if (input === 'checkbox') {
      values[field.name] = value === true || value === 1;
      continue;
    }
    if (value === undefined || value === null || (isHidden(field) && record)) {
      values[field.name] = '';
    } else if (input === 'json') {
      values[field.name] = JSON.stringify(value, null, 2);
    } else if (input === 'datetime') {
      values[field.name] = value === 'now' ? '' : toLocalDateTime(String(value));
    } else if (input === 'date') {
      values[field.name] = value === 'now' ? '' : String(value).slice(0, 10);
    } else if (input === 'references') {
      values[field.name] = Array.isArray(value) ? value.join(', ') : String(value);
    } else {
      values[field.name] = String(value);
    }
  }
  return values;
}

/** The key type of what a reference points to, so that an id is sent as a number when the target's key is one. */
export type KeyKind = 'number' | 'text';

export interface BuildResult {
  /** The body to send: on create every filled field; on edit only what changed. */
  body: Record<string, unknown>;
  /** Problems found before anything is sent, by field name. */
  problems: Record<string, string>;
}

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function keyValue(text: string, kind: KeyKind): unknown {
  return kind === 'number' && INTEGER.test(text) && Number.isSafeInteger(Number(text)) ? Number(text) : text;
}

/** One control's value as the API takes it, or a problem. `undefined`: left empty. */
function convert(form: FormField, raw: string | boolean, keyKind: KeyKind): { value?: unknown; problem?: string } {
  const { field, input } = form;
  if (input === 'checkbox') return { value: raw === true };
  const text = String(raw);
  const trimmed = text.trim();
  if (trimmed === '') return {};
  switch (input) {
    case 'integer':
      if (!INTEGER.test(trimmed) || !Number.isSafeInteger(Number(trimmed))) return { problem: 'Enter a whole number.' };
      return { value: Number(trimmed) };
    case 'bigint':
      if (!INTEGER.test(trimmed)) return { problem: 'Enter a whole number.' };
      // Beyond 2^53 a number would lose digits: the API takes a string of digits.
      return { value: Number.isSafeInteger(Number(trimmed)) ? Number(trimmed) : trimmed };
    case 'decimal': {
      if (!DECIMAL.test(trimmed)) return { problem: 'Enter a number.' };
      // Sent as typed when a JavaScript number would change it (the API takes numeric strings), so nothing is rounded.
      return { value: String(Number(trimmed)) === trimmed ? Number(trimmed) : trimmed };
    }
    case 'json':
      try {
        return { value: JSON.parse(text) };
      } catch {
        return { problem: 'Enter valid JSON.' };
      }
    case 'datetime': {
      const time = new Date(trimmed).getTime();
      if (Number.isNaN(time)) return { problem: 'Enter a date and time.' };
      return { value: new Date(time).toISOString() };
    }
    case 'reference':
      return { value: keyValue(trimmed, keyKind) };
    case 'references':
      return {
        value: trimmed
          .split(',')
          .map((v) => v.trim())
          .filter(Boolean)
          .map((v) => keyValue(v, keyKind)),
      };
    case 'password':
      // Passwords are taken as typed: spaces count.
      return { value: text };
    default:
      return { value: field.kind === 'string' || input === 'textarea' ? text : trimmed };
  }
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The request body for a form. Only what the API can't be asked is checked here (a required field left empty, a
 * number or JSON that does not parse); lengths, ranges, patterns, formats, options and references are the API's to
 * judge, and its messages are shown at their fields.
 *
 * Creating leaves empty fields out (so defaults apply). Editing sends only the fields that changed; emptying a field
 * sends null, and an empty hidden field (a password) is left as it is.
 */
export function buildBody(
  fields: readonly FormField[],
  values: FormValues,
  options: { mode: 'create' | 'edit'; original?: Record<string, unknown>; keyKinds?: Record<string, KeyKind> },
): BuildResult {
  const body: Record<string, unknown> = {};
  const problems: Record<string, string> = {};
  const initial = options.mode === 'edit' ? initialValues(fields, options.original) : undefined;
  for (const form of fields) {
    const { field } = form;
    if (options.mode === 'edit' && form.locked) continue;
    const raw = values[field.name] ?? (form.input === 'checkbox' ? false : '');
    if (initial && raw === initial[field.name]) continue;
    const { value, problem } = convert(form, raw, options.keyKinds?.[field.name] ?? 'text');
    if (problem) {
      problems[field.name] = problem;
      continue;
    }
    if (value === undefined) {
      if (form.required && !(options.mode === 'edit' && isHidden(field))) {
        problems[field.name] = 'Enter a value.';
      } else if (options.mode === 'edit' && !isHidden(field)) {
        body[field.name] = null;
      }
      continue;
    }
    if (options.mode === 'edit' && options.original && !isHidden(field) && same(value, options.original[field.name])) continue;
    body[field.name] = value;
  }
  return { body, problems };
}

/** The API's field problems (`body.email`, `body.email+name`) by field name; the rest are the form's own. */
export function problemsByField(
  problems: readonly { field: string; message: string }[],
  fieldNames: readonly string[],
): { byField: Record<string, string>; other: string[] } {
  const byField: Record<string, string> = {};
  const other: string[] = [];
  for (const problem of problems) {
    const path = problem.field.replace(/^body\.?/, '');
    const names = path.split('+').map((p) => p.split(/[.[]/)[0]!);
    const known = names.filter((n) => fieldNames.includes(n));
    if (known.length === 0) {
      other.push(path === '' ? problem.message : `${path} ${problem.message}`);
      continue;
    }
    for (const name of known) byField[name] = byField[name] ? `${byField[name]}; ${problem.message}` : problem.message;
  }
  return { byField, other };
}

/* ------------------------------------------------------------------ showing values */

/** A record's value in a table cell. */
export function displayValue(field: FieldDefinition | undefined, value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  if (field?.kind === 'boolean' && (value === 0 || value === 1)) return value === 1 ? 'Yes' : 'No';
  if (Array.isArray(value) && field?.manyToMany) return value.join(', ');
  if (typeof value === 'object') {
    // File fields answer their metadata; the name is what a person looks for.
    if (field?.kind === 'file' && 'name' in (value as Record<string, unknown>)) return String((value as { name: unknown }).name);
    return JSON.stringify(value);
  }
  return String(value);
}

/* ------------------------------------------------------------------ the list's query */

export interface BrowserQuery {
  /** The search box (`q=`). */
  search: string;
  /** Filter controls by key: a field's name, or `name:from` / `name:to` for a range. */
  filters: Record<string, string>;
  sort: { field: string; desc: boolean } | null;
}

function rangeValue(field: FieldDefinition, value: string): string {
  if (field.kind !== 'timestamp') return value;
  const time = new Date(value).getTime();
  return Number.isNaN(time) ? value : new Date(time).toISOString();
}

/**
 * The list API's query string for the browser's state: equality filters (`status=lead`), ranges
 * (`total[gte]=10&total[lte]=20`), `q`, `sort` (`-created_at`), the page size, `count=true` and the page's cursor.
 */
export function listParams(config: BrowserConfig, query: BrowserQuery, cursor?: string): Record<string, string> {
  const params: Record<string, string> = {};
  for (const field of config.filters) {
    if (filterControl(field) === 'range') {
      const from = query.filters[`${field.name}:from`]?.trim();
      const to = query.filters[`${field.name}:to`]?.trim();
      if (from) params[`${field.name}[gte]`] = rangeValue(field, from);
      if (to) params[`${field.name}[lte]`] = rangeValue(field, to);
    } else {
      const value = query.filters[field.name]?.trim();
      if (value) params[field.name] = value;
    }
  }
  if (config.search && query.search.trim() !== '') params.q = query.search.trim();
  if (query.sort) params.sort = `${query.sort.desc ? '-' : ''}${query.sort.field}`;
  params.limit = String(config.perPage);
  params.count = 'true';
  if (cursor !== undefined) params.cursor = cursor;
  return params;
}
