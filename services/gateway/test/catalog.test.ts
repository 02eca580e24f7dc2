import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Catalog } from '../src/catalog/catalog.js';
import { loadGatewayConfig } from '../src/config.js';
import { tempDir } from './helpers.js';

describe('Catalog', () => {
  it('keeps databases across a reopen and finds names regardless of case', () => {
    const file = path.join(tempDir(), 'catalog.sqlite');
    const catalog = Catalog.open(file);
    catalog.insert({ name: 'Orders', tenantId: 'default', engine: 'duckdb', containerId: 'abc', createdAt: '2026-01-01T00:00:00.000Z', settings: { max_result_rows: 5 } });
    catalog.close();
    const reopened = Catalog.open(file);
    expect(reopened.get('Orders')).toEqual({
      name: 'Orders',
      tenantId: 'default',
      engine: 'duckdb',
      containerId: 'abc',
      createdAt: '2026-01-01T00:00:00.000Z',
      settings: { max_result_rows: 5 },
    });
    expect(reopened.get('orders')).toBeUndefined();
    expect(reopened.findIgnoringCase('orders')?.name).toBe('Orders');
    expect(() => reopened.insert({ name: 'ORDERS', tenantId: 'default', engine: 'sqlite', containerId: 'x', createdAt: 'now', settings: {} })).toThrow();
    expect(reopened.delete('Orders')).toBe(true);
    expect(reopened.list()).toEqual([]);
    reopened.close();
  });

  it('refuses a catalogue written by a newer DB-Forge', () => {
    const file = path.join(tempDir(), 'catalog.sqlite');
    const raw = new Database(file);
    raw.pragma('user_version = 99');
    raw.close();
    expect(() => Catalog.open(file)).toThrow(/newer than this gateway/);
  });
});

describe('gateway configuration', () => {
  it('has safe defaults: loopback, port 8000, the process runtime, no key', () => {
    const config = loadGatewayConfig({}, '/srv/dbforge');
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 8000,
      runtime: 'process',
      dataDir: '/srv/dbforge/db-data',
      secretsDir: '/srv/dbforge/secrets',
      adminKey: undefined,
      metricsPublic: false,
      defaults: { statementTimeoutMs: 30000, maxResultRows: 10000, maxResultBytes: 16777216 },
    });
  });
  it('fails fast naming each bad variable', () => {
    expect(() => loadGatewayConfig({ DBFORGE_PORT: 'http', DBFORGE_RUNTIME: 'kubernetes', DBFORGE_ADMIN_KEY: 'short' })).toThrow(
      /DBFORGE_PORT[\s\S]*DBFORGE_RUNTIME[\s\S]*DBFORGE_ADMIN_KEY|DBFORGE_PORT[\s\S]*DBFORGE_ADMIN_KEY[\s\S]*DBFORGE_RUNTIME/,
    );
  });
});
