import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { DATABASE_NAME_PATTERN, IDENTIFIER_PATTERN } from './names.js';
import { ENGINES } from './engines.js';
import { ERROR_CODES } from './errors.js';
import { Defaults } from './protocol.js';

/* ------------------------------------------------------------------ shared primitives */

export const DatabaseNameSchema = Type.String({
  pattern: DATABASE_NAME_PATTERN,
  maxLength: 63,
  description: 'Letters, digits, `_`, `.` and `-`; starts with a letter or digit; at most 63 characters; never `..`.',
  examples: ['inventory'],
});

export const EngineSchema = Type.Union(
  ENGINES.map((engine) => Type.Literal(engine)),
  { description: 'The database engine.', default: 'sqlite' },
);

export const IdentifierSchema = Type.String({ pattern: IDENTIFIER_PATTERN, examples: ['users'] });

export const DatabaseParamsSchema = Type.Object({ name: DatabaseNameSchema });
export type DatabaseParams = Static<typeof DatabaseParamsSchema>;

export const TableNameSchema = Type.String({
  minLength: 1,
  maxLength: 255,
  description: 'The name of an existing table or view.',
  examples: ['users'],
});
export const TableParamsSchema = Type.Object({ name: DatabaseNameSchema, table: TableNameSchema });
export type TableParams = Static<typeof TableParamsSchema>;

export const ErrorEnvelopeSchema = Type.Object(
  {
    error: Type.Object({
      code: Type.Union(ERROR_CODES.map((code) => Type.Literal(code))),
      message: Type.String(),
      status: Type.Integer(),
      details: Type.Optional(Type.Unknown()),
    }),
    detail: Type.String({ description: 'The same message, for DB-Forge MK1 clients.' }),
  },
  {
    $id: 'ErrorEnvelope',
    description: 'Every error has this shape.',
    examples: [
      { error: { code: 'NOT_FOUND', message: 'Database not found.', status: 404 }, detail: 'Database not found.' },
    ],
  },
);
export type ErrorEnvelopeBody = Static<typeof ErrorEnvelopeSchema>;

/* ------------------------------------------------------------------ admin API */

export const DatabaseSettingsSchema = Type.Object(
  {
    statement_timeout_ms: Type.Optional(
      Type.Integer({ minimum: 100, maximum: 3_600_000, description: 'A statement running longer is stopped (504).' }),
    ),
    max_result_rows: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'Rows returned at most; more sets `truncated`.' }),
    ),
    max_result_bytes: Type.Optional(
      Type.Integer({ minimum: 1024, maximum: 512 * 1024 * 1024, description: 'Approximate bytes of rows returned.' }),
    ),
    memory_mb: Type.Optional(
      Type.Integer({
        minimum: 32,
        maximum: 65_536,
        description: "Memory limit of the database's worker in MiB (a container limit on the docker runtime; a heap limit on the process runtime).",
      }),
    ),
    cpus: Type.Optional(
      Type.Number({ minimum: 0.05, maximum: 64, description: 'CPU limit of the worker, in cores (docker runtime).' }),
    ),
    pids_limit: Type.Optional(
      Type.Integer({ minimum: 16, maximum: 65_536, description: 'Process and thread limit of the worker (docker runtime).' }),
    ),
    event_log: Type.Optional(
      Type.Boolean({ description: 'Record every committed write in the event log (history, revert, realtime). On by default.' }),
    ),
    event_retention_days: Type.Optional(
      Type.Union([Type.Integer({ minimum: 1, maximum: 36_500 }), Type.Null()], {
        description: 'Events older than this many days expire (null: kept forever, the default).',
      }),
    ),
    event_retention_events: Type.Optional(
      Type.Union([Type.Integer({ minimum: 100, maximum: 1_000_000_000 }), Type.Null()], {
        description: 'Only this many of the newest events are kept, plus one baseline per record (null: all, the default).',
      }),
    ),
  },
  { additionalProperties: false },
);
export type DatabaseSettings = Static<typeof DatabaseSettingsSchema>;

/** Every setting a database can have, in the order the API lists them. */
export const DATABASE_SETTING_KEYS = [
  'statement_timeout_ms',
  'max_result_rows',
  'max_result_bytes',
  'memory_mb',
  'cpus',
  'pids_limit',
  'event_log',
  'event_retention_days',
  'event_retention_events',
] as const satisfies readonly (keyof DatabaseSettings)[];

export const SpawnBodySchema = Type.Object(
  {
    engine: Type.Optional(EngineSchema),
    tenant: Type.Optional(
      Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$', description: "The tenant that owns the database (the caller's own by default)." }),
    ),
    ...DatabaseSettingsSchema.properties,
  },
  {
    additionalProperties: false,
    // MK1 clients send no body at all: that is a database with the default engine and limits.
    nullable: true,
    description: 'Optional. Without a body the database uses SQLite and the default limits.',
    examples: [{ engine: 'duckdb' }],
  },
);
export type SpawnBody = Static<typeof SpawnBodySchema>;

export const SpawnReplySchema = Type.Object(
  { message: Type.String(), db_name: Type.String(), container_id: Type.String() },
  {
    examples: [
      { message: 'Database instance spawned successfully.', db_name: 'inventory', container_id: '3f2a9c1b7d4e' },
    ],
  },
);
export type SpawnReply = Static<typeof SpawnReplySchema>;

export const PruneReplySchema = Type.Object(
  { message: Type.String(), db_name: Type.String() },
  { examples: [{ message: 'Database instance pruned successfully.', db_name: 'inventory' }] },
);
export type PruneReply = Static<typeof PruneReplySchema>;

export const WORKER_STATES = ['starting', 'running', 'restarting', 'stopping', 'stopped', 'failed'] as const;
export type WorkerState = (typeof WORKER_STATES)[number];

export const DatabaseInfoSchema = Type.Object(
  {
    name: Type.String(),
    tenant: Type.String({ description: 'The tenant that owns the database.' }),
    container_id: Type.String({ description: 'The id of the worker that serves the database.' }),
    status: Type.Union(WORKER_STATES.map((s) => Type.Literal(s))),
    engine: EngineSchema,
    size_bytes: Type.Integer({ description: 'Bytes on disk, write-ahead log included.' }),
    created_at: Type.String({ format: 'date-time' }),
    settings: Type.Object({
      statement_timeout_ms: Type.Integer(),
      max_result_rows: Type.Integer(),
      max_result_bytes: Type.Integer(),
      memory_mb: Type.Integer(),
      cpus: Type.Number(),
      pids_limit: Type.Integer(),
      event_log: Type.Boolean(),
      event_retention_days: Type.Union([Type.Integer(), Type.Null()]),
      event_retention_events: Type.Union([Type.Integer(), Type.Null()]),
    }),
  },
  {
    examples: [
      {
        name: 'inventory',
        tenant: 'default',
        container_id: '3f2a9c1b7d4e',
        status: 'running',
        engine: 'sqlite',
        size_bytes: 45056,
        created_at: '2026-11-23T09:12:44.512Z',
        settings: {
          statement_timeout_ms: 30000,
          max_result_rows: 10000,
          max_result_bytes: 16777216,
          memory_mb: 256,
          cpus: 1,
          pids_limit: 128,
          event_log: true,
          event_retention_days: null,
          event_retention_events: null,
        },
      },
    ],
  },
);
export type DatabaseInfo = Static<typeof DatabaseInfoSchema>;

export const DatabaseListSchema = Type.Array(DatabaseInfoSchema);

export const WorkerStatsSchema = Type.Object(
  {
    db_name: Type.String(),
    cpu_percent: Type.Number({ description: 'CPU use over the last sample, in percent of one core.' }),
    memory_bytes: Type.Integer({
      description: "Memory the worker holds: its container's usage (docker), or its proportional set size (process).",
    }),
    memory_limit_bytes: Type.Union([Type.Integer(), Type.Null()]),
    block_read_bytes: Type.Union([Type.Integer(), Type.Null()]),
    block_write_bytes: Type.Union([Type.Integer(), Type.Null()]),
    network_rx_bytes: Type.Union([Type.Integer(), Type.Null()]),
    network_tx_bytes: Type.Union([Type.Integer(), Type.Null()]),
    pids: Type.Union([Type.Integer(), Type.Null()]),
  },
  {
    examples: [
      {
        db_name: 'inventory',
        cpu_percent: 1.5,
        memory_bytes: 31457280,
        memory_limit_bytes: 268435456,
        block_read_bytes: 0,
        block_write_bytes: 4096,
        network_rx_bytes: 18230,
        network_tx_bytes: 20412,
        pids: 11,
      },
    ],
  },
);
export type WorkerStats = Static<typeof WorkerStatsSchema>;

export const LogsQuerySchema = Type.Object({
  tail: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 100 })),
});
export const LogsReplySchema = Type.Object({ db_name: Type.String(), lines: Type.Array(Type.String()) });
export type LogsReply = Static<typeof LogsReplySchema>;

export const GatewayStatsSchema = Type.Object(
  {
    uptime_seconds: Type.Number(),
    total_requests: Type.Integer(),
    total_errors: Type.Integer(),
    requests_by_endpoint: Type.Record(Type.String(), Type.Integer()),
    errors_by_type: Type.Record(Type.String(), Type.Integer()),
  },
  {
    examples: [
      {
        uptime_seconds: 3600.5,
        total_requests: 1520,
        total_errors: 12,
        requests_by_endpoint: { 'POST /api/db/:name/query': 1400, 'GET /admin/databases': 120 },
        errors_by_type: { SQL_ERROR: 10, NOT_FOUND: 2 },
      },
    ],
  },
);
export type GatewayStats = Static<typeof GatewayStatsSchema>;

/* ------------------------------------------------------------------ data API */

export const SqlValueSchema = Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]);
export const SqlParamsSchema = Type.Union(
  [Type.Array(SqlValueSchema), Type.Record(Type.String({ pattern: '^[:@$]?[A-Za-z_][A-Za-z0-9_]*$' }), SqlValueSchema)],
  { description: 'Positional values for `?` placeholders, or an object for named ones (`:name`, `@name`, `$name`).' },
);
export type SqlValue = Static<typeof SqlValueSchema>;
export type SqlParams = Static<typeof SqlParamsSchema>;

export const QueryBodySchema = Type.Object(
  {
    sql: Type.String({ minLength: 1, description: 'One SQL statement.' }),
    params: Type.Optional(SqlParamsSchema),
  },
  { additionalProperties: false, examples: [{ sql: 'SELECT * FROM users WHERE id = ?', params: [1] }] },
);
export type QueryBody = Static<typeof QueryBodySchema>;

export const ColumnSchema = Type.Object({ name: Type.String(), type: Type.String() });

export const RowSchema = Type.Record(Type.String(), Type.Unknown());

export const QueryRowsReplySchema = Type.Object(
  {
    data: Type.Array(RowSchema),
    rows_affected: Type.Integer({ description: 'The number of rows in `data`.' }),
    columns: Type.Array(ColumnSchema),
    duration_ms: Type.Number(),
    truncated: Type.Boolean({ description: 'True when rows were left out to stay within the result limits.' }),
  },
  {
    examples: [
      {
        data: [{ id: 1, email: 'ada@example.com' }],
        rows_affected: 1,
        columns: [
          { name: 'id', type: 'INTEGER' },
          { name: 'email', type: 'TEXT' },
        ],
        duration_ms: 0.21,
        truncated: false,
      },
    ],
  },
);
export type QueryRowsReply = Static<typeof QueryRowsReplySchema>;

export const QueryExecReplySchema = Type.Object(
  {
    message: Type.String(),
    rows_affected: Type.Integer(),
    last_insert_rowid: Type.Union([Type.Integer(), Type.String(), Type.Null()]),
    duration_ms: Type.Number(),
  },
  {
    examples: [{ message: 'Query executed successfully.', rows_affected: 1, last_insert_rowid: 42, duration_ms: 0.35 }],
  },
);
export type QueryExecReply = Static<typeof QueryExecReplySchema>;

export const QueryReplySchema = Type.Union([QueryRowsReplySchema, QueryExecReplySchema]);
export type QueryReply = Static<typeof QueryReplySchema>;

/** A batch statement whose parameter sets are each checked against `paramSet`. */
function batchStatement<T extends TSchema>(paramSet: T) {
  return Type.Object(
    {
      sql: Type.String({ minLength: 1, description: 'One SQL statement.' }),
      params: Type.Optional(SqlParamsSchema),
      param_sets: Type.Optional(
        Type.Array(paramSet, {
          minItems: 1,
          description:
            'Run the statement once per parameter set (a bulk insert: one statement, many rows), instead of `params`. ' +
            'Its result adds up `rows_affected` and gives the last `last_insert_rowid`, or the rows of every run in order.',
        }),
      ),
    },
    { additionalProperties: false },
  );
}

export const BatchStatementSchema = batchStatement(SqlParamsSchema);
export type BatchStatement = Static<typeof BatchStatementSchema>;

/** A batch body whose statements are `statement`. */
function batchBody<T extends TSchema>(statement: T) {
  return Type.Object(
  {
    statements: Type.Array(statement, {
      minItems: 1,
      // Each statement gets a result of its own in the reply; many rows of one statement go in `param_sets`.
      maxItems: Defaults.maxBatchStatements,
      description: `Run in order, in one transaction (at most ${Defaults.maxBatchStatements}; for many rows of one statement, use \`param_sets\`).`,
    }),
  },
  {
    additionalProperties: false,
    examples: [
      {
        statements: [
          { sql: 'INSERT INTO users (email) VALUES (?)', params: ['ada@example.com'] },
          { sql: 'INSERT INTO users (email) VALUES (?)', params: ['alan@example.com'] },
        ],
      },
      {
        statements: [{ sql: 'INSERT INTO users (email) VALUES (?)', param_sets: [['grace@example.com'], ['edsger@example.com']] }],
      },
    ],
  },
  );
}

export const BatchBodySchema = batchBody(BatchStatementSchema);

/**
 * What a worker checks a batch body against: the same, but each parameter set is left to the engine, which checks
 * every value as it binds it and names the place of a bad one (`body.statements[i].param_sets[j][k]`): checked here
 * too, a 100,000-row bulk insert spent as long in validation as in half its inserts.
 */
export const BatchBodyWireSchema = batchBody(batchStatement(Type.Unknown()));
export type BatchBody = Static<typeof BatchBodySchema>;

/** One statement's result inside a batch: as a query's reply, without its own duration. */
export const BatchStatementResultSchema = Type.Union([
  Type.Omit(QueryRowsReplySchema, ['duration_ms']),
  Type.Omit(QueryExecReplySchema, ['duration_ms']),
]);
export type BatchStatementResult = Static<typeof BatchStatementResultSchema>;

export const BatchReplySchema = Type.Object({
  message: Type.String(),
  results: Type.Array(BatchStatementResultSchema),
  rows_affected: Type.Integer({ description: 'Rows changed by all statements together.' }),
  duration_ms: Type.Number(),
});
export type BatchReply = Static<typeof BatchReplySchema>;

export const ColumnDefaultSchema = Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()], {
  description:
    'A literal (quoted safely), or one of CURRENT_TIMESTAMP, CURRENT_DATE, CURRENT_TIME, NULL. Never pasted into SQL raw.',
});

export const ColumnDefinitionSchema = Type.Object(
  {
    name: IdentifierSchema,
    type: Type.String({
      minLength: 1,
      maxLength: 40,
      description: 'INTEGER, TEXT, REAL, BLOB, NUMERIC, BOOLEAN, DATE, DATETIME, TIMESTAMP, VARCHAR(n), DECIMAL(p,s), ...',
    }),
    primary_key: Type.Optional(Type.Boolean()),
    not_null: Type.Optional(Type.Boolean()),
    unique: Type.Optional(Type.Boolean()),
    default: Type.Optional(ColumnDefaultSchema),
  },
  { additionalProperties: false },
);
export type ColumnDefinition = Static<typeof ColumnDefinitionSchema>;

export const CreateTableBodySchema = Type.Object(
  {
    table_name: IdentifierSchema,
    columns: Type.Array(ColumnDefinitionSchema, { minItems: 1, maxItems: 2000 }),
  },
  {
    additionalProperties: false,
    examples: [
      {
        table_name: 'users',
        columns: [
          { name: 'id', type: 'INTEGER', primary_key: true },
          { name: 'email', type: 'TEXT', not_null: true, unique: true },
          { name: 'created_at', type: 'DATETIME', default: 'CURRENT_TIMESTAMP' },
        ],
      },
    ],
  },
);
export type CreateTableBody = Static<typeof CreateTableBodySchema>;

export const MessageReplySchema = Type.Object({ message: Type.String() });
export type MessageReply = Static<typeof MessageReplySchema>;

export const InsertRowsBodySchema = Type.Object(
  {
    rows: Type.Array(RowSchema, { description: 'Objects with the same keys: column names and their values.' }),
  },
  { additionalProperties: false, examples: [{ rows: [{ email: 'ada@example.com' }, { email: 'alan@example.com' }] }] },
);
export type InsertRowsBody = Static<typeof InsertRowsBodySchema>;

export const InsertRowsReplySchema = Type.Object(
  { message: Type.String(), rows_affected: Type.Integer() },
  { examples: [{ message: 'Rows inserted successfully.', rows_affected: 2 }] },
);
export type InsertRowsReply = Static<typeof InsertRowsReplySchema>;

export const SelectRowsQuerySchema = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 0, description: 'Rows at most (the result limits still apply).' })),
    offset: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  {
    additionalProperties: Type.String({ description: 'Any other key filters rows: `column=value` (equality).' }),
  },
);
export type SelectRowsQuery = Static<typeof SelectRowsQuerySchema>;

export const SelectRowsReplySchema = Type.Object(
  {
    data: Type.Array(RowSchema),
    rows_affected: Type.Integer({ description: 'The number of rows in `data`.' }),
    truncated: Type.Boolean(),
  },
  { examples: [{ data: [{ id: 1, email: 'ada@example.com' }], rows_affected: 1, truncated: false }] },
);
export type SelectRowsReply = Static<typeof SelectRowsReplySchema>;

export const TableColumnSchema = Type.Object({
  name: Type.String(),
  type: Type.String(),
  not_null: Type.Boolean(),
  default: Type.Union([Type.String(), Type.Null()], { description: 'The default as SQL text.' }),
  primary_key: Type.Boolean(),
});
export type TableColumn = Static<typeof TableColumnSchema>;

export const TableSummarySchema = Type.Object({
  name: Type.String(),
  type: Type.Union([Type.Literal('table'), Type.Literal('view')]),
  columns: Type.Array(TableColumnSchema),
});
export type TableSummary = Static<typeof TableSummarySchema>;

export const TableListReplySchema = Type.Object({ tables: Type.Array(TableSummarySchema) });
export type TableListReply = Static<typeof TableListReplySchema>;

export const IndexSchema = Type.Object({
  name: Type.String(),
  unique: Type.Boolean(),
  columns: Type.Array(Type.String()),
});
export const ForeignKeySchema = Type.Object({
  columns: Type.Array(Type.String()),
  references_table: Type.String(),
  references_columns: Type.Array(Type.String()),
});

export const TableDetailSchema = Type.Object({
  name: Type.String(),
  type: Type.Union([Type.Literal('table'), Type.Literal('view')]),
  columns: Type.Array(TableColumnSchema),
  indexes: Type.Array(IndexSchema),
  foreign_keys: Type.Array(ForeignKeySchema),
  row_count: Type.Integer(),
});
export type TableDetail = Static<typeof TableDetailSchema>;

/* ------------------------------------------------------------------ service */

export const ServiceInfoSchema = Type.Object({
  name: Type.String(),
  version: Type.String(),
  message: Type.String(),
  docs: Type.String(),
});
export const HealthReplySchema = Type.Object({ status: Type.String() });
export const ReadyReplySchema = Type.Object({
  status: Type.String(),
  runtime: Type.String(),
  checks: Type.Record(Type.String(), Type.Object({ ok: Type.Boolean(), message: Type.Optional(Type.String()) })),
});
export type ReadyReply = Static<typeof ReadyReplySchema>;

/** Response schemas of one route: the success reply plus the error envelope for every error status it may answer. */
export function withErrors(success: Record<number, TSchema>, errorStatuses: number[]): Record<number, TSchema> {
  const out: Record<number, TSchema> = { ...success };
  for (const status of errorStatuses) out[status] = Type.Ref(ErrorEnvelopeSchema);
  return out;
}
