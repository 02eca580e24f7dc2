import type { EngineName } from '@dbforge/contracts';
import { isHidden, isServerSet, type FieldDef, type ResourceDef } from './model.js';
import { MAX_LIMIT, DEFAULT_LIMIT, OPERATORS } from './query.js';

type Schema = Record<string, unknown>;

function valueSchema(field: FieldDef, keyOf: (field: FieldDef) => FieldDef | undefined): Schema {
  if (field.manyToMany) {
    const key = keyOf(field);
    return { type: 'array', items: key && (key.kind === 'integer' || key.kind === 'bigint') ? { type: 'integer' } : { type: key ? 'string' : 'integer' } };
  }
  if (field.epochMillis) return { type: 'integer', description: 'Milliseconds since 1970-01-01T00:00:00Z.' };
  switch (field.kind) {
    case 'integer':
      return { type: 'integer', ...(field.min !== undefined ? { minimum: field.min } : {}), ...(field.max !== undefined ? { maximum: field.max } : {}) };
    case 'bigint':
      return { oneOf: [{ type: 'integer' }, { type: 'string', pattern: '^-?\\d+$' }], description: 'An integer; beyond 2^53 as a string.' };
    case 'decimal':
      return (field.precision ?? 10) <= 15
        ? { type: 'number', description: `Decimal(${field.precision},${field.scale}).` }
        : { oneOf: [{ type: 'number' }, { type: 'string' }], description: `Decimal(${field.precision},${field.scale}), exact as a string.` };
    case 'boolean':
      return { type: 'boolean' };
    case 'timestamp':
      return { type: 'string', format: 'date-time' };
    case 'date':
      return { type: 'string', format: 'date' };
    case 'json':
      return {};
    case 'email':
      return { type: 'string', format: 'email' };
    case 'url':
      return { type: 'string', format: 'uri' };
    case 'uuid':
      return { type: 'string', format: 'uuid' };
    case 'select':
      return { type: 'string', enum: field.options ?? [] };
    case 'file':
      return {
        type: 'object',
        nullable: true,
        readOnly: true,
        properties: {
          name: { type: 'string' },
          size: { type: 'integer' },
          content_type: { type: 'string' },
          sha256: { type: 'string' },
          uploaded_at: { type: 'string', format: 'date-time' },
          url: { type: 'string', description: 'Download it here (with the API key).' },
        },
      };
    default: {
      const schema: Schema = { type: 'string' };
      if (field.minLength !== undefined) schema.minLength = field.minLength;
      if (field.maxLength !== undefined) schema.maxLength = field.maxLength;
      if (field.pattern !== undefined) schema.pattern = field.pattern;
      if (field.kind === 'password') schema.format = 'password';
      return schema;
    }
  }
}

function fieldSchema(field: FieldDef, keyOf: (field: FieldDef) => FieldDef | undefined): Schema {
  const schema = valueSchema(field, keyOf);
  if (field.nullable && !field.primary && field.kind !== 'file') schema.nullable = true;
  if (field.description) schema.description = field.description;
  if (field.default !== undefined) schema.default = field.default;
  if (field.references) schema['x-references'] = `${field.references.resource}${field.references.field ? `.${field.references.field}` : ''}`;
  if (field.security.encrypt) schema['x-encrypted'] = true;
  if (field.security.pii) schema['x-pii'] = true;
  return schema;
}

/** A name usable as an OpenAPI component: the resource name, capitalised. */
function componentName(resource: ResourceDef): string {
  return resource.name.charAt(0).toUpperCase() + resource.name.slice(1);
}

const errorRef = { $ref: '#/components/schemas/ErrorEnvelope' };
const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [String(s), { description: 'An error (see the error envelope).', content: { 'application/json': { schema: errorRef } } }]));

/**
 * The OpenAPI document of a database's resources: one schema per resource for reading, creating and updating, and
 * every route of the resources API with its filters, generated from the definitions so it is always current.
 */
export function buildOpenApi(database: string, resources: ResourceDef[], engine: EngineName, keyOf: (field: FieldDef) => FieldDef | undefined): Record<string, unknown> {
  const schemas: Record<string, Schema> = {
    ErrorEnvelope: {
      type: 'object',
      properties: {
        error: {
          type: 'object',
          properties: { code: { type: 'string' }, message: { type: 'string' }, status: { type: 'integer' }, details: {} },
          required: ['code', 'message', 'status'],
        },
        detail: { type: 'string' },
      },
      required: ['error', 'detail'],
    },
  };
  const paths: Record<string, unknown> = {};
  const base = `/api/db/${database}/resources`;
  for (const resource of resources) {
    const name = componentName(resource);
    const readable = resource.fields.filter((f) => !isHidden(f));
    const writable = resource.fields.filter((f) => !isServerSet(f) && f.kind !== 'file');
    schemas[name] = {
      type: 'object',
      description: resource.description ?? `A record of '${resource.name}'.`,
      properties: Object.fromEntries(readable.map((f) => [f.name, { ...fieldSchema(f, keyOf), ...(isServerSet(f) ? { readOnly: true } : {}) }])),
      required: readable.filter((f) => f.primary || f.required).map((f) => f.name),
    };
    schemas[`${name}Create`] = {
      type: 'object',
      additionalProperties: false,
      properties: Object.fromEntries(writable.map((f) => [f.name, fieldSchema(f, keyOf)])),
      required: writable.filter((f) => f.required && f.default === undefined).map((f) => f.name),
    };
    schemas[`${name}Update`] = {
      type: 'object',
      additionalProperties: false,
      properties: Object.fromEntries(writable.filter((f) => !f.immutable).map((f) => [f.name, fieldSchema(f, keyOf)])),
    };
    const ref = (suffix = '') => ({ $ref: `#/components/schemas/${name}${suffix}` });
    const json = (schema: unknown) => ({ 'application/json': { schema } });
    const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' }, description: `The ${resource.primaryKey} of the record.` };
    const filterable = readable.filter((f) => !f.security.encrypt && f.kind !== 'file');
    const listParams = [
      ...filterable.map((f) => ({
        name: f.name,
        in: 'query',
        required: false,
        schema: { type: 'string' },
        description: `Filter: \`${f.name}=value\`, or \`${f.name}[op]=value\` with op one of ${OPERATORS.join(', ')}.`,
      })),
      ...(resource.fields.some((f) => f.searchable) ? [{ name: 'q', in: 'query', schema: { type: 'string' }, description: `Search in ${resource.fields.filter((f) => f.searchable).map((f) => f.name).join(', ')}.` }] : []),
      { name: 'sort', in: 'query', schema: { type: 'string' }, description: 'Fields, `-` first for descending: `-created_at,name`.' },
      { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: resource.perPage ?? DEFAULT_LIMIT } },
      { name: 'offset', in: 'query', schema: { type: 'integer', minimum: 0 } },
      { name: 'cursor', in: 'query', schema: { type: 'string' }, description: '`next_cursor` of the previous page.' },
      { name: 'count', in: 'query', schema: { type: 'boolean' }, description: 'Also answer `total`.' },
    ];
    const tag = resource.name;
    paths[`${base}/${resource.name}`] = {
      get: {
        tags: [tag],
        operationId: `list${name}`,
        summary: `List ${resource.name}`,
        parameters: listParams,
        responses: {
          200: {
            description: 'A page of records.',
            content: json({
              type: 'object',
              properties: { data: { type: 'array', items: ref() }, has_more: { type: 'boolean' }, next_cursor: { type: 'string', nullable: true }, total: { type: 'integer' } },
              required: ['data', 'has_more', 'next_cursor'],
            }),
          },
          ...errors(400, 401, 404, 422),
        },
      },
      post: {
        tags: [tag],
        operationId: `create${name}`,
        summary: `Create a record of ${resource.name}`,
        requestBody: { required: true, content: json(ref('Create')) },
        responses: { 201: { description: 'The stored record.', content: json(ref()) }, ...errors(400, 401, 403, 404, 409, 422, 502, 504) },
      },
    };
    paths[`${base}/${resource.name}/bulk`] = {
      post: {
        tags: [tag],
        operationId: `bulkCreate${name}`,
        summary: `Create many records of ${resource.name} in one transaction`,
        requestBody: { required: true, content: json({ type: 'object', properties: { records: { type: 'array', items: ref('Create'), maxItems: 1000 } }, required: ['records'] }) },
        responses: { 201: { description: 'The stored records.', content: json({ type: 'object', properties: { data: { type: 'array', items: ref() }, count: { type: 'integer' } } }) }, ...errors(400, 401, 403, 404, 409, 422) },
      },
    };
    paths[`${base}/${resource.name}/export`] = {
      get: {
        tags: [tag],
        operationId: `export${name}`,
        summary: `Export ${resource.name} as CSV or JSON (filters and sort as for the list)`,
        parameters: [{ name: 'format', in: 'query', schema: { type: 'string', enum: ['csv', 'json'], default: 'json' } }, ...listParams.filter((p) => !['limit', 'offset', 'cursor', 'count'].includes(p.name))],
        responses: { 200: { description: 'The records.', content: { 'text/csv': { schema: { type: 'string' } }, 'application/json': { schema: { type: 'array', items: ref() } } } }, ...errors(400, 401, 404, 422) },
      },
    };
    paths[`${base}/${resource.name}/import`] = {
      post: {
        tags: [tag],
        operationId: `import${name}`,
        summary: `Import ${resource.name} from CSV or JSON: all rows checked, all or nothing`,
        requestBody: { required: true, content: { 'text/csv': { schema: { type: 'string' } }, 'application/json': { schema: { type: 'array', items: ref('Create') } } } },
        responses: { 201: { description: 'How many were imported.', content: json({ type: 'object', properties: { message: { type: 'string' }, imported: { type: 'integer' }, ignored_columns: { type: 'array', items: { type: 'string' } } } }) }, ...errors(400, 401, 404, 409, 415, 422) },
      },
    };
    paths[`${base}/${resource.name}/{id}`] = {
      get: { tags: [tag], operationId: `get${name}`, summary: `One record of ${resource.name}`, parameters: [idParam], responses: { 200: { description: 'The record.', content: json(ref()) }, ...errors(401, 404) } },
      patch: { tags: [tag], operationId: `update${name}`, summary: 'Change some fields', parameters: [idParam], requestBody: { required: true, content: json(ref('Update')) }, responses: { 200: { description: 'The stored record.', content: json(ref()) }, ...errors(400, 401, 403, 404, 409, 422, 502, 504) } },
      put: { tags: [tag], operationId: `replace${name}`, summary: 'Replace the record (fields left out go back to their default)', parameters: [idParam], requestBody: { required: true, content: json(ref('Create')) }, responses: { 200: { description: 'The stored record.', content: json(ref()) }, ...errors(400, 401, 403, 404, 409, 422, 502, 504) } },
      delete: { tags: [tag], operationId: `delete${name}`, summary: 'Delete the record', parameters: [idParam], responses: { 204: { description: 'Deleted.' }, ...errors(401, 403, 404, 409, 422, 502, 504) } },
    };
    for (const field of resource.fields.filter((f) => f.kind === 'file')) {
      paths[`${base}/${resource.name}/{id}/files/${field.name}`] = {
        get: { tags: [tag], operationId: `download${name}${field.name}`, summary: `Download the file in '${field.name}'`, parameters: [idParam], responses: { 200: { description: 'The file.', content: { '*/*': { schema: { type: 'string', format: 'binary' } } } }, ...errors(401, 404) } },
        put: {
          tags: [tag],
          operationId: `upload${name}${field.name}`,
          summary: `Upload the file of '${field.name}' (the body is the file)${field.accept ? `; accepts ${field.accept.join(', ')}` : ''}${field.maxSize ? `; at most ${field.maxSize} bytes` : ''}`,
          parameters: [idParam, { name: 'filename', in: 'query', schema: { type: 'string' } }],
          requestBody: { required: true, content: { '*/*': { schema: { type: 'string', format: 'binary' } } } },
          responses: { 200: { description: 'The record.', content: json(ref()) }, ...errors(401, 404, 413, 422) },
        },
        delete: { tags: [tag], operationId: `deleteFile${name}${field.name}`, summary: `Remove the file of '${field.name}'`, parameters: [idParam], responses: { 200: { description: 'The record.', content: json(ref()) }, ...errors(401, 404) } },
      };
    }
  }
  return {
    openapi: '3.0.3',
    info: {
      title: `DB-Forge resources of '${database}'`,
      version: '1.0.0',
      description: `Generated from the resource configs applied to '${database}' (${engine}). Every call needs the API key, as \`X-API-Key\` or \`Authorization: Bearer\`.`,
    },
    tags: resources.map((r) => ({ name: r.name, description: r.description ?? '' })),
    paths,
    components: {
      schemas,
      securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' }, bearer: { type: 'http', scheme: 'bearer' } },
    },
    security: [{ apiKey: [] }, { bearer: [] }],
  };
}
