import { Errors, type DbForgeError, type StreamQuery } from '@dbforge/contracts';
import type { EventOp } from '@dbforge/engine';
import { checkFilter, type SubscriptionSpec } from './hub.js';

const OPS = new Set(['create', 'update', 'delete']);

function bad(field: string, message: string): DbForgeError {
  return Errors.validation([{ field, message }]);
}

function parseFilter(raw: unknown, where: string): Record<string, unknown> | undefined {
  if (raw === undefined) return undefined;
  let filter = raw;
  if (typeof raw === 'string') {
    try {
      filter = JSON.parse(raw);
    } catch {
      throw bad(where, 'must be a JSON object of field conditions');
    }
  }
  const problem = checkFilter(filter);
  if (problem) throw bad(where, problem);
  return filter as Record<string, unknown>;
}

function parseOps(raw: unknown, where: string): EventOp[] | undefined {
  if (raw === undefined) return undefined;
  const list = Array.isArray(raw) ? raw : String(raw).split(',');
  for (const op of list) if (!OPS.has(String(op))) throw bad(where, 'must list create, update or delete');
  return list.map(String) as EventOp[];
}

/** Subscriptions from a stream's query string: one per resource or table named (none named: every table). */
export function specsFromQuery(query: StreamQuery): SubscriptionSpec[] {
  const names = [query.resource, query.table].filter((v): v is string => v !== undefined).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  if (query.record !== undefined && names.length !== 1) throw bad('querystring.record', 'needs exactly one resource or table');
  const ops = parseOps(query.ops, 'querystring.ops');
  const filter = parseFilter(query.filter, 'querystring.filter');
  const targets = names.length === 0 ? ['*'] : names;
  return targets.map((table, i) => ({ id: String(i), table, record: query.record, ops, filter }));
}

/** A subscription from a WebSocket `subscribe` message. */
export function specFromMessage(message: Record<string, unknown>, fallbackId: string): SubscriptionSpec {
  const id = message.id === undefined ? fallbackId : String(message.id).slice(0, 100);
  const table = message.resource ?? message.table;
  if (table !== undefined && (typeof table !== 'string' || table.length === 0 || table.length > 255)) throw bad('resource', 'must be a resource or table name');
  const record = message.record === undefined || message.record === null ? undefined : String(message.record);
  if (record !== undefined && (table === undefined || table === '*')) throw bad('record', 'needs a resource or table');
  return { id, table: (table as string | undefined) ?? '*', record, ops: parseOps(message.ops, 'ops'), filter: parseFilter(message.filter, 'filter') };
}

export function lastEventIdOf(header: unknown, query: string | undefined): number | undefined {
  const raw = typeof header === 'string' && header.trim() !== '' ? header.trim() : query;
  if (raw === undefined) return undefined;
  if (!/^[0-9]{1,18}$/.test(raw)) throw bad('last_event_id', 'must be an event id');
  return Number(raw);
}
