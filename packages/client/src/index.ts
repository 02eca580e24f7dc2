export { DbForgeClient, DatabaseClient, ResourceClient, isRowsReply } from './client.js';
export type { DbForgeClientOptions, ListQuery, RawReply, RequestOptions, Row, SelectRowsOptions } from './client.js';
export { DbForgeApiError } from './errors.js';
export type * from '@dbforge/contracts';
export * from './realtime.js';
