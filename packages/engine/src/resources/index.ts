export * from './model.js';
export { RESOURCE_FORMAT_SCHEMA, resourceFormatSchemaJson } from './format-schema.js';
// Parsing (YAML, JSON Schema) and rules (CEL) are not exported here: the engine loads them on first use, so that a
// worker importing this package does not carry them. Import them from their modules when needed.
export type { ParseOutcome, ParsedDocument, SchemaProblem } from './parse.js';
export { planResource, dropResourcePlan, type PlanStep, type ResourcePlan } from './plan.js';
export { columnType, createTableSql } from './ddl.js';
export { coerceInput, checkFieldValue, fromText, fromStorage, toStorage, normaliseTimestamp } from './values.js';
export { FieldCrypto, hashPassword, verifyPassword } from './security.js';
export { parseListQuery, keysetCondition, encodeCursor, MAX_LIMIT, DEFAULT_LIMIT } from './query.js';
export { HookRequired, HookTokens, type HookCall, type HookVerdict } from './hooks.js';
export { buildOpenApi } from './openapi.js';
export {
  ResourceEngine,
  type ResourceEngineOptions,
  type RequestContext,
  type WriteResult,
  type ApplyOptions,
  type ApplyResult,
  type ListResult,
  type FileMeta,
} from './engine.js';
export type { OutboxEntry } from './store.js';
