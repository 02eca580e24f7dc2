import { act, renderHook } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import {
  HISTORY_LIMIT,
  addToHistory,
  clearHistory,
  forgetAllHistory,
  deleteSavedQuery,
  historyStorageKey,
  readHistory,
  saveQuery,
  useQueryHistory,
  useSavedQueries,
} from '@/data/sql/local-queries';

describe('query history and saved queries', () => {
  it('forgets the history of every database at sign-out, and keeps the saved queries', () => {
    addToHistory('shop', "SELECT * FROM t WHERE secret = 'x'");
    addToHistory('other', 'SELECT 3');
    saveQuery('shop', 'mine', 'SELECT 1');
    forgetAllHistory();
    expect(readHistory('shop')).toEqual([]);
    expect(readHistory('other')).toEqual([]);
    expect(window.localStorage.getItem(historyStorageKey('shop'))).toBeNull();
    expect(JSON.parse(window.localStorage.getItem('dbforge.console.saved.shop')!)).toEqual([{ name: 'mine', sql: 'SELECT 1' }]);
  });

  it('keeps the history per database in localStorage, newest first, as SQL text only', () => {
    addToHistory('shop', 'SELECT 1');
    addToHistory('shop', '  SELECT 2  ');
    addToHistory('other', 'SELECT 3');
    expect(readHistory('shop')).toEqual(['SELECT 2', 'SELECT 1']);
    expect(readHistory('other')).toEqual(['SELECT 3']);
    expect(JSON.parse(window.localStorage.getItem(historyStorageKey('shop'))!)).toEqual(['SELECT 2', 'SELECT 1']);
  });

  it('moves a statement run again to the top instead of keeping two copies, and stops at the limit', () => {
    for (let i = 0; i < HISTORY_LIMIT + 10; i++) addToHistory('shop', `SELECT ${i}`);
    addToHistory('shop', 'SELECT 50');
    const history = readHistory('shop');
    expect(history).toHaveLength(HISTORY_LIMIT);
    expect(history[0]).toBe('SELECT 50');
    expect(history.filter((s) => s === 'SELECT 50')).toHaveLength(1);
  });

  it('survives what another tab or an old version left in storage', () => {
    window.localStorage.setItem(historyStorageKey('shop'), '{not json');
    expect(readHistory('shop')).toEqual([]);
    window.localStorage.setItem(historyStorageKey('shop'), JSON.stringify(['SELECT 1', 42, { sql: 'x' }]));
    expect(readHistory('shop')).toEqual(['SELECT 1']);
  });

  it('updates the hooks when a query runs, is saved, replaced or deleted', () => {
    const history = renderHook(() => useQueryHistory('shop'));
    const saved = renderHook(() => useSavedQueries('shop'));
    expect(history.result.current).toEqual([]);
    act(() => addToHistory('shop', 'SELECT 1'));
    expect(history.result.current).toEqual(['SELECT 1']);
    act(() => clearHistory('shop'));
    expect(history.result.current).toEqual([]);

    act(() => saveQuery('shop', 'counts', 'SELECT count(*) FROM t'));
    act(() => saveQuery('shop', 'all', 'SELECT * FROM t'));
    act(() => saveQuery('shop', 'counts', 'SELECT count(*) FROM u'));
    expect(saved.result.current).toEqual([
      { name: 'counts', sql: 'SELECT count(*) FROM u' },
      { name: 'all', sql: 'SELECT * FROM t' },
    ]);
    act(() => deleteSavedQuery('shop', 'all'));
    expect(saved.result.current.map((q) => q.name)).toEqual(['counts']);
  });
});
