import { useCallback, useSyncExternalStore } from 'react';

/**
 * Query history and saved queries, per database, in localStorage. Only SQL text and the names people give it are
 * kept here: never results, keys or anything the gateway answered.
 */
export const HISTORY_LIMIT = 100;
export const SAVED_LIMIT = 200;

export const historyStorageKey = (database: string) => `dbforge.console.history.${database}`;
export const savedStorageKey = (database: string) => `dbforge.console.saved.${database}`;

export interface SavedQuery {
  name: string;
  sql: string;
}

type Listener = () => void;
const listeners = new Map<string, Set<Listener>>();
// useSyncExternalStore needs the same object back until the stored text changes.
const snapshots = new Map<string, { raw: string | null; value: unknown }>();

function storage(): Storage | undefined {
  try {
    return typeof window === 'undefined' ? undefined : window.localStorage;
  } catch {
    return undefined;
  }
}

function read<T>(key: string, parse: (value: unknown) => T): T {
  const raw = storage()?.getItem(key) ?? null;
  const cached = snapshots.get(key);
  if (cached && cached.raw === raw) return cached.value as T;
  let value: T;
  try {
    value = parse(raw === null ? undefined : JSON.parse(raw));
  } catch {
    value = parse(undefined);
  }
  snapshots.set(key, { raw, value });
  return value;
}

function write(key: string, value: unknown): void {
  try {
    storage()?.setItem(key, JSON.stringify(value));
  } catch {
    // Full or disabled storage: history is a convenience, the query has run either way.
  }
  for (const listener of listeners.get(key) ?? []) listener();
}

function subscribe(key: string, listener: Listener): () => void {
  let set = listeners.get(key);
  if (!set) listeners.set(key, (set = new Set()));
  set.add(listener);
  const onStorage = (event: StorageEvent) => {
    if (event.key === key || event.key === null) listener();
  };
  window.addEventListener('storage', onStorage);
  return () => {
    set.delete(listener);
    window.removeEventListener('storage', onStorage);
  };
}

const parseHistory = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string').slice(0, HISTORY_LIMIT) : [];

const parseSaved = (value: unknown): SavedQuery[] =>
  Array.isArray(value)
    ? value.filter(
        (v): v is SavedQuery => typeof v === 'object' && v !== null && typeof v.name === 'string' && typeof v.sql === 'string',
      )
    : [];

export function readHistory(database: string): string[] {
  return read(historyStorageKey(database), parseHistory);
}

/** Adds a statement at the top; running it again moves it up rather than adding a copy. */
export function addToHistory(database: string, sql: string): void {
  const text = sql.trim();
  if (text.length === 0) return;
  const next = [text, ...readHistory(database).filter((entry) => entry !== text)].slice(0, HISTORY_LIMIT);
  write(historyStorageKey(database), next);
}

/**
 * Forgets the query history of every database in this browser (at sign-out: the next person to sign in here must not
 * see the statements, literals and all, someone else ran). Saved queries were kept on purpose and stay.
 */
export function forgetAllHistory(): void {
  const store = storage();
  if (store === undefined) return;
  const prefix = historyStorageKey('');
  const keys: string[] = [];
  for (let i = 0; i < store.length; i++) {
    const key = store.key(i);
    if (key !== null && key.startsWith(prefix)) keys.push(key);
  }
  for (const key of keys) {
    store.removeItem(key);
    for (const listener of listeners.get(key) ?? []) listener();
  }
}

export function clearHistory(database: string): void {
  write(historyStorageKey(database), []);
}

export function readSavedQueries(database: string): SavedQuery[] {
  return read(savedStorageKey(database), parseSaved);
}

/** Saves under a name; a query saved under the same name is replaced. */
export function saveQuery(database: string, name: string, sql: string): void {
  const entry = { name: name.trim(), sql: sql.trim() };
  const rest = readSavedQueries(database).filter((q) => q.name !== entry.name);
  write(savedStorageKey(database), [entry, ...rest].slice(0, SAVED_LIMIT));
}

export function deleteSavedQuery(database: string, name: string): void {
  write(
    savedStorageKey(database),
    readSavedQueries(database).filter((q) => q.name !== name),
  );
}

const EMPTY_HISTORY: string[] = [];
const EMPTY_SAVED: SavedQuery[] = [];

export function useQueryHistory(database: string): string[] {
  const key = historyStorageKey(database);
  const sub = useCallback((listener: Listener) => subscribe(key, listener), [key]);
  return useSyncExternalStore(sub, () => readHistory(database), () => EMPTY_HISTORY);
}

export function useSavedQueries(database: string): SavedQuery[] {
  const key = savedStorageKey(database);
  const sub = useCallback((listener: Listener) => subscribe(key, listener), [key]);
  return useSyncExternalStore(sub, () => readSavedQueries(database), () => EMPTY_SAVED);
}
