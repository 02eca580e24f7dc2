import { describe, expect, it } from 'vitest';
import {
  browserConfig,
  buildBody,
  displayValue,
  filterControl,
  formFields,
  initialValues,
  isFilterable,
  isSortable,
  listParams,
  problemsByField,
  type FormField,
} from '@/lib/resource-model';
import { toLocalDateTime } from '@/lib/format';
import { companies, customers, field } from '../support/resources';

const byName = (fields: FormField[]) => Object.fromEntries(fields.map((f) => [f.field.name, f]));

describe('the data browser, from the interface keys', () => {
  it('shows the list_display columns that are readable fields, searches with q over the searchable ones, filters what can be filtered', () => {
    const config = browserConfig(customers);
    // `secret` is a password (never returned) and `nope` is no field: both left out.
    expect(config.columns).toEqual(['id', 'name', 'email', 'status']);
    expect(config.search).toBe(true);
    expect(config.searchedFields).toEqual(['name']);
    // Named in search_fields but not searchable: the API would not search it, and the console says so.
    expect(config.unsearchable).toEqual(['notes']);
    expect(config.filters.map((f) => f.name)).toEqual(['status', 'vip', 'credit_limit']);
    expect(config.perPage).toBe(20);
  });

  it('falls back to ui.list_columns, then to the key and the first fields, and to 25 a page', () => {
    expect(browserConfig({ ...customers, interface: {}, perPage: undefined, ui: { list_columns: ['email', 'name'] } }).columns).toEqual(['email', 'name']);
    const plain = browserConfig({ ...customers, interface: {}, perPage: undefined });
    expect(plain.columns).toEqual(['id', 'name', 'email', 'notes', 'credit_limit', 'visits']);
    expect(plain.perPage).toBe(25);
    // Without search_fields, every searchable field is searched.
    expect(plain.searchedFields).toEqual(['name', 'email']);
    expect(browserConfig(companies).search).toBe(false);
  });

  it('filters a many-to-many field by a linked key (the API’s tags=3), which it can’t sort on, as it can’t sort on JSON', () => {
    const tags = field('tags', 'many_to_many', { references: { resource: 'tags', onDelete: 'cascade' } });
    const profile = field('profile', 'json');
    const posts = { ...companies, name: 'posts', fields: [field('id', 'primary_key'), tags, profile], interface: { filters: ['tags'] } };
    expect(browserConfig(posts).filters.map((f) => f.name)).toEqual(['tags']);
    expect(filterControl(tags)).toBe('text');
    expect(listParams(browserConfig(posts), { search: '', filters: { tags: '3' }, sort: null })).toMatchObject({ tags: '3' });
    expect([isFilterable(tags), isSortable(tags)]).toEqual([true, false]);
    expect([isFilterable(profile), isSortable(profile)]).toEqual([true, false]);
    const hidden = field('secret', 'password', { kind: 'password' });
    const sealed = field('ssn', 'string', { security: { protected: false, hash: false, pii: true, maskInLogs: false, encrypt: true } });
    expect([isFilterable(hidden), isSortable(hidden), isFilterable(sealed), isSortable(sealed)]).toEqual([false, false, false, false]);
  });

  it.each([
    ['status', 'options'],
    ['vip', 'boolean'],
    ['credit_limit', 'range'],
    ['last_seen', 'range'],
    ['email', 'text'],
    ['company', 'text'],
  ])('filters %s with a %s control', (name, control) => {
    expect(filterControl(customers.fields.find((f) => f.name === name)!)).toBe(control);
  });

  it('turns the browser’s state into the list API’s query string', () => {
    const config = browserConfig(customers);
    expect(
      listParams(config, { search: ' ada ', filters: { status: 'lead', vip: '', 'credit_limit:from': '10', 'credit_limit:to': '' }, sort: { field: 'name', desc: true } }, 'c2'),
    ).toEqual({ status: 'lead', 'credit_limit[gte]': '10', q: 'ada', sort: '-name', limit: '20', count: 'true', cursor: 'c2' });
    expect(listParams(config, { search: '', filters: {}, sort: null })).toEqual({ limit: '20', count: 'true' });
  });
});

describe('forms generated from the field types', () => {
  const fields = formFields(customers);
  const f = byName(fields);

  it('ask for every field but those the server sets, each with the control of its type', () => {
    expect(fields.map((x) => x.field.name)).not.toContain('id');
    expect(fields.map((x) => x.field.name)).not.toContain('created_at');
    expect(Object.fromEntries(fields.map((x) => [x.field.name, x.input]))).toEqual({
      name: 'text',
      email: 'email',
      notes: 'textarea',
      credit_limit: 'decimal',
      visits: 'integer',
      vip: 'checkbox',
      status: 'select',
      birthday: 'date',
      last_seen: 'datetime',
      website: 'url',
      profile: 'json',
      code: 'text',
      company: 'reference',
      secret: 'password',
    });
  });

  it('mark required and immutable fields and say their constraints in words', () => {
    expect(f.name!.required).toBe(true);
    expect(f.vip!.required).toBe(false);
    expect(f.code!.locked).toBe(true);
    expect(f.name!.constraints).toEqual(['at most 100 characters']);
    expect(f.visits!.constraints).toEqual(['from 0 to 1000']);
    expect(f.credit_limit!.constraints).toEqual(['at least 0', 'up to 2 decimals']);
    expect(f.code!.constraints).toEqual(['matches ^[A-Z]{3}$']);
    expect(f.email!.constraints).toEqual(['unique']);
    expect(f.company!.constraints).toEqual(['a key of companies']);
    expect(f.secret!.constraints).toEqual(['never shown again once saved']);
  });

  it('start a new record with the defaults', () => {
    expect(initialValues(fields)).toMatchObject({ name: '', credit_limit: '1000', vip: false, status: 'lead', profile: '' });
  });

  it('build a create body of the filled fields, converted to the types the API takes', () => {
    const values = {
      ...initialValues(fields),
      name: 'Ada',
      email: 'ada@example.com',
      visits: '3',
      credit_limit: '12.50',
      vip: true,
      last_seen: '2026-11-23T10:30:00',
      profile: '{"tier": 2}',
      company: '7',
    };
    const { body, problems } = buildBody(fields, values, { mode: 'create', keyKinds: { company: 'number' } });
    expect(problems).toEqual({});
    expect(body).toEqual({
      name: 'Ada',
      email: 'ada@example.com',
      // Sent as typed: a number would drop the trailing zero the user wrote (the API takes numeric strings).
      credit_limit: '12.50',
      visits: 3,
      vip: true,
      status: 'lead',
      last_seen: new Date('2026-11-23T10:30:00').toISOString(),
      profile: { tier: 2 },
      company: 7,
    });
  });

  it('refuse only what can’t be sent: an empty required field, a number or JSON that does not parse', () => {
    const { body, problems } = buildBody(fields, { ...initialValues(fields), visits: '2.5', profile: '{oops', email: 'not-an-email' }, { mode: 'create' });
    expect(problems).toEqual({ name: 'Enter a value.', visits: 'Enter a whole number.', profile: 'Enter valid JSON.' });
    // The address is the API's to judge: it is sent as typed.
    expect(body.email).toBe('not-an-email');
  });

  it('send only the changed fields when editing, null for an emptied one, and keep a password left empty', () => {
    const record = { id: 3, name: 'Ada', email: 'ada@example.com', credit_limit: 1000, visits: 3, vip: false, status: 'lead', code: 'ABC', notes: 'x' };
    expect(initialValues(fields, record).secret).toBe('');
    const values = { ...initialValues(fields, record), status: 'active', notes: '', code: 'XYZ' };
    expect(buildBody(fields, values, { mode: 'edit', original: record })).toEqual({ body: { status: 'active', notes: null }, problems: {} });
    expect(buildBody(fields, initialValues(fields, record), { mode: 'edit', original: record }).body).toEqual({});
  });

  it('keep big integers and references to text keys as strings', () => {
    const big = formFields({ ...companies, fields: [field('n', 'bigint'), field('owner', 'foreign_key', { kind: 'string', references: { resource: 'users', onDelete: 'restrict' } })] });
    expect(buildBody(big, { n: '9007199254740993', owner: '42' }, { mode: 'create', keyKinds: { owner: 'text' } }).body).toEqual({ n: '9007199254740993', owner: '42' });
  });

  it('show a record’s timestamp in the browser’s time zone in its control', () => {
    const iso = '2026-11-23T10:30:05.000Z';
    expect(new Date(toLocalDateTime(iso)).toISOString()).toBe(iso);
  });
});

describe('the API’s validation messages', () => {
  it('go to their fields (unique pairs to both), and the rest to the form', () => {
    expect(
      problemsByField(
        [
          { field: 'body.email', message: 'must be an email address' },
          { field: 'body.name+email', message: 'the combination of name, email is already taken' },
          { field: 'body.tier', message: 'is not a field of customers' },
          { field: 'body', message: 'must be an object' },
        ],
        ['name', 'email'],
      ),
    ).toEqual({
      byField: { email: 'must be an email address; the combination of name, email is already taken', name: 'the combination of name, email is already taken' },
      other: ['tier is not a field of customers', 'must be an object'],
    });
  });
});

describe('values in the table', () => {
  it.each([
    [field('vip', 'boolean'), true, 'Yes'],
    [field('vip', 'boolean'), 0, 'No'],
    [field('tags', 'many_to_many'), [1, 2], '1, 2'],
    [field('profile', 'json'), { tier: 2 }, '{"tier":2}'],
    [field('name', 'string'), null, ''],
    [undefined, 42, '42'],
  ])('%#: shows %j as %j', (definition, value, text) => {
    expect(displayValue(definition, value)).toBe(text);
  });
});
