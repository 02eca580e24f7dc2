import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import * as ajvFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';
import type { FieldProblem } from '@dbforge/contracts';

// ajv-formats is CommonJS: under ESM its function arrives as the default export of the namespace.
const addFormats = (ajvFormats as unknown as { default: (ajv: Ajv) => Ajv }).default;

function makeAjv(coerce: boolean): Ajv {
  const ajv = new Ajv({
    // Every failing field is reported at once; bodies are bounded by the body limit, so this stays cheap.
    allErrors: true,
    // Strings in a query string or a path are coerced to the declared type; JSON bodies are taken exactly as sent.
    coerceTypes: coerce ? 'array' : false,
    useDefaults: true,
    removeAdditional: false,
    strict: false,
  });
  addFormats(ajv);
  return ajv;
}

const bodyAjv = makeAjv(false);
const urlAjv = makeAjv(true);

/** Fastify validator compiler: strict JSON for bodies, coercion for URL parts and headers. */
export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  const ajv = httpPart === 'body' ? bodyAjv : urlAjv;
  return ajv.compile(schema as object) as ValidateFunction;
};

/** Adds shared schemas (referenced with `$ref`) to both validators. */
export function addSharedSchema(schema: { $id?: string }): void {
  if (schema.$id === undefined) throw new Error('a shared schema needs an $id');
  for (const ajv of [bodyAjv, urlAjv]) if (!ajv.getSchema(schema.$id)) ajv.addSchema(schema);
}

/** Turns ajv's errors into one problem per failing field, in words a person can act on. */
export function problemsFromAjv(errors: ErrorObject[], context: string): FieldProblem[] {
  const byField = new Map<string, ErrorObject[]>();
  for (const error of errors) {
    let field = context + error.instancePath.replace(/\/(\d+)(?=\/|$)/g, '[$1]').replace(/\//g, '.');
    if (error.keyword === 'required') field += `.${(error.params as { missingProperty: string }).missingProperty}`;
    if (error.keyword === 'additionalProperties') field += `.${(error.params as { additionalProperty: string }).additionalProperty}`;
    const list = byField.get(field) ?? [];
    list.push(error);
    byField.set(field, list);
  }
  const fields = [...byField.keys()];
  return [...byField]
    .filter(([field, list]) => {
      // A union that failed only because something inside it failed: the inner field tells the real problem.
      const onlyShape = list.every((e) => e.keyword === 'type' || e.keyword === 'anyOf');
      return !(onlyShape && fields.some((f) => f.startsWith(`${field}.`) || f.startsWith(`${field}[`)));
    })
    .map(([field, list]) => ({ field, message: describe(list) }));
}

/** One message for all of a field's errors; a union (anyOf) reports each failed branch, so they are merged. */
function describe(errors: ErrorObject[]): string {
  const of = (keyword: string) => errors.filter((e) => e.keyword === keyword);
  if (of('required').length > 0) return 'is required';
  if (of('additionalProperties').length > 0) return 'is not a known field';
  const consts = [...of('const').map((e) => (e.params as { allowedValue: unknown }).allowedValue), ...of('enum').flatMap((e) => (e.params as { allowedValues: unknown[] }).allowedValues)];
  if (consts.length > 0) return `must be one of ${consts.map((c) => JSON.stringify(c)).join(', ')}`;
  const specific = errors.find((e) => e.keyword !== 'type' && e.keyword !== 'anyOf');
  if (specific) return specific.message ?? 'is invalid';
  const types = [...new Set(of('type').flatMap((e) => String((e.params as { type: string }).type).split(',')))];
  if (types.length > 0) return `must be ${types.map(withArticle).join(' or ')}`;
  return 'does not match any allowed form';
}

function withArticle(type: string): string {
  return type === 'integer' || type === 'object' || type === 'array' ? `an ${type}` : `a ${type}`;
}
