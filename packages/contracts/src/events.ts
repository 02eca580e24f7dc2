import { Type, type Static } from '@sinclair/typebox';
import { DatabaseNameSchema } from './schemas.js';

/* ------------------------------------------------------------------ the event log (per database) */

export const ChangeEventSchema = Type.Object(
  {
    id: Type.Integer({ description: 'Monotonic, never reused.' }),
    at: Type.String({ description: 'When the write committed (ISO 8601, UTC).' }),
    actor: Type.Object({ id: Type.String(), roles: Type.Array(Type.String()) }),
    request_id: Type.Union([Type.String(), Type.Null()]),
    source: Type.Union(['sql', 'rows', 'resources', 'revert', 'system'].map((s) => Type.Literal(s))),
    op: Type.Union([Type.Literal('create'), Type.Literal('update'), Type.Literal('delete')]),
    resource: Type.Union([Type.String(), Type.Null()], { description: 'The resource, or null for a plain table.' }),
    table: Type.String(),
    record_id: Type.Union([Type.String(), Type.Null()], { description: "The record's key as text." }),
    before: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
    after: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
    reverts: Type.Union([Type.Integer(), Type.Null()], { description: 'The event this one reverts.' }),
  },
  {
    $id: 'ChangeEvent',
    examples: [
      {
        id: 42,
        at: '2026-11-23T09:12:44.512Z',
        actor: { id: 'admin', roles: ['admin'] },
        request_id: '5b0c…',
        source: 'resources',
        op: 'update',
        resource: 'customers',
        table: 'customers',
        record_id: '7',
        before: { id: 7, name: 'Ada', email: '[masked]', status: 'lead' },
        after: { id: 7, name: 'Ada', email: '[masked]', status: 'active' },
        reverts: null,
      },
    ],
  },
);
export type ChangeEventBody = Static<typeof ChangeEventSchema>;

const TimeSchema = Type.String({ minLength: 1, maxLength: 40, description: 'ISO 8601 date or date-time.' });

export const EventsQuerySchema = Type.Object(
  {
    resource: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'A resource or table name.' })),
    record: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: "A record's key (with resource)." })),
    since: Type.Optional(TimeSchema),
    until: Type.Optional(TimeSchema),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
    cursor: Type.Optional(Type.String({ pattern: '^[0-9]{1,18}$', description: 'The `next_cursor` of the previous page.' })),
  },
  { additionalProperties: false },
);
export type EventsQuery = Static<typeof EventsQuerySchema>;

export const HistoryQuerySchema = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
    cursor: Type.Optional(Type.String({ pattern: '^[0-9]{1,18}$' })),
  },
  { additionalProperties: false },
);

export const EventPageSchema = Type.Object({
  data: Type.Array(Type.Ref(ChangeEventSchema)),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
});
export type EventPage = { data: ChangeEventBody[]; next_cursor: string | null };

export const EventParamsSchema = Type.Object({
  name: DatabaseNameSchema,
  id: Type.Integer({ minimum: 1, description: 'The event id.' }),
});

export const RevertQuerySchema = Type.Object(
  { force: Type.Optional(Type.Boolean({ default: false, description: 'Revert even when the record changed after the event.' })) },
  { additionalProperties: false },
);

export const RevertReplySchema = Type.Object({
  reverted: Type.Ref(ChangeEventSchema),
  event: Type.Union([Type.Ref(ChangeEventSchema), Type.Null()], { description: 'The new event the revert wrote.' }),
});
export type RevertReply = { reverted: ChangeEventBody; event: ChangeEventBody | null };

export const StreamQuerySchema = Type.Object(
  {
    resource: Type.Optional(Type.String({ minLength: 1, maxLength: 2000, description: 'Resources or tables, comma-separated (`*`: every one).' })),
    table: Type.Optional(Type.String({ minLength: 1, maxLength: 2000, description: 'Same as `resource`.' })),
    record: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: "A record's key (with one resource)." })),
    ops: Type.Optional(Type.String({ pattern: '^(create|update|delete)(,(create|update|delete))*$' })),
    filter: Type.Optional(Type.String({ maxLength: 4000, description: 'JSON conditions on the record: `{"status":"open","total":{"gt":10}}`.' })),
    last_event_id: Type.Optional(Type.String({ pattern: '^[0-9]{1,18}$', description: 'Resume after this event.' })),
  },
  { additionalProperties: false },
);
export type StreamQuery = Static<typeof StreamQuerySchema>;

/** Close code of a realtime connection whose consumer fell too far behind. */
export const REALTIME_SLOW_CONSUMER = 4008;

/* ------------------------------------------------------------------ the platform's audit log (gateway) */

export const AUDIT_OUTCOMES = ['success', 'failure'] as const;

export const AuditEntrySchema = Type.Object(
  {
    id: Type.Integer(),
    at: Type.String(),
    actor: Type.Union([Type.String(), Type.Null()], { description: 'Who acted (`admin`, `user:<id>`, `key:<id>`); null when authentication failed.' }),
    action: Type.String({ description: '`database.spawn`, `database.prune`, `database.settings`, `webhook.put`, `webhook.delete`, `schema.apply`, `schema.remove`, `event.revert`, `key.create`, `key.revoke`, `auth.failure`, ...' }),
    outcome: Type.Union(AUDIT_OUTCOMES.map((o) => Type.Literal(o))),
    status: Type.Union([Type.Integer(), Type.Null()]),
    database: Type.Union([Type.String(), Type.Null()]),
    target: Type.Union([Type.String(), Type.Null()]),
    source_address: Type.Union([Type.String(), Type.Null()]),
    request_id: Type.Union([Type.String(), Type.Null()]),
    detail: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  },
  {
    examples: [
      {
        id: 12,
        at: '2026-11-23T09:12:44.512Z',
        actor: 'admin',
        action: 'database.spawn',
        outcome: 'success',
        status: 201,
        database: 'inventory',
        target: null,
        source_address: '127.0.0.1',
        request_id: '5b0c…',
        detail: { method: 'POST', path: '/admin/databases/spawn/inventory' },
      },
    ],
  },
);
export type AuditEntryBody = Static<typeof AuditEntrySchema>;

export const AuditQuerySchema = Type.Object(
  {
    actor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    action: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'An action, or a prefix ending in `.` (`database.`).' })),
    database: Type.Optional(DatabaseNameSchema),
    outcome: Type.Optional(Type.Union(AUDIT_OUTCOMES.map((o) => Type.Literal(o)))),
    since: Type.Optional(TimeSchema),
    until: Type.Optional(TimeSchema),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
    cursor: Type.Optional(Type.String({ pattern: '^[0-9]{1,18}$', description: 'The `next_cursor` of the previous page (newest first).' })),
  },
  { additionalProperties: false },
);
export type AuditQuery = Static<typeof AuditQuerySchema>;

export const AuditPageSchema = Type.Object({
  data: Type.Array(AuditEntrySchema),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
});
export type AuditPage = Static<typeof AuditPageSchema>;
