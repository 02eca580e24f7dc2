import type { BatchStatementResult, QueryExecReply, QueryRowsReply } from '@dbforge/contracts';
import type { StatementResult } from '@dbforge/engine';

export const QUERY_EXECUTED = 'Query executed successfully.';

/** Milliseconds with microsecond resolution, from a `process.hrtime.bigint()` start. */
export function elapsedMs(start: bigint): number {
  return Math.round(Number(process.hrtime.bigint() - start) / 1000) / 1000;
}

export function queryReply(result: StatementResult, durationMs: number): QueryRowsReply | QueryExecReply {
  if (result.kind === 'rows') {
    return {
      data: result.rows,
      rows_affected: result.rows.length,
      columns: result.columns,
      duration_ms: durationMs,
      truncated: result.truncated,
    };
  }
  return {
    message: QUERY_EXECUTED,
    rows_affected: result.rowsAffected,
    last_insert_rowid: result.lastInsertRowid,
    duration_ms: durationMs,
  };
}

export function batchStatementResult(result: StatementResult): BatchStatementResult {
  if (result.kind === 'rows') {
    return { data: result.rows, rows_affected: result.rows.length, columns: result.columns, truncated: result.truncated };
  }
  return { message: QUERY_EXECUTED, rows_affected: result.rowsAffected, last_insert_rowid: result.lastInsertRowid };
}
