export { DbForgeClient, DatabaseClient, isRowsReply } from './client.js';
export type { DbForgeClientOptions, RawReply, RequestOptions, Row, SelectRowsOptions } from './client.js';
export { DbForgeApiError } from './errors.js';
export type * from '@dbforge/contracts';
