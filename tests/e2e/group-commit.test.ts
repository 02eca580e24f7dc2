import { afterAll, describe, expect, it } from 'vitest';
import { RUNTIMES, killWorker, removeTempDirs, startGateway, stopAllGateways, uniqueName, waitFor } from '../support/gateway.js';

afterAll(async () => {
  await stopAllGateways();
  removeTempDirs();
});

const PRODUCTS = 'resource: products\nfields:\n  id:\n    type: primary_key\n  name:\n    type: string\n    required: true\n';
const CLIENTS = 32;
const WRITES = 1200;

describe.each(RUNTIMES)('group commit (%s runtime)', (runtime) => {
  it('keeps every acknowledged concurrent write, with its event, when the worker is killed in the middle', async () => {
    const gw = await startGateway({ runtime });
    const name = uniqueName('group');
    await gw.client.spawnDatabase(name);
    const db = gw.client.db(name);
    await db.execute('CREATE TABLE items (id INTEGER PRIMARY KEY, tag TEXT NOT NULL UNIQUE)');
    await db.applySchema(PRODUCTS);
    const products = db.resource<{ id: number; name: string }>('products');

    // Single-row inserts through the query API and creates through the resources API, many at once, so that the
    // worker commits them in groups; the worker is SIGKILLed part-way through.
    const acknowledged = { items: [] as string[], products: [] as string[] };
    const failures: string[] = [];
    let next = 0;
    let killed = false;
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (next < WRITES) {
          const i = next++;
          if (i === WRITES / 3 && !killed) {
            killed = true;
            await killWorker(gw, name);
          }
          const tag = `w${i}`;
          try {
            if (i % 2 === 0) {
              await db.execute('INSERT INTO items (tag) VALUES (?)', [tag]);
              acknowledged.items.push(tag);
            } else {
              await products.create({ name: tag });
              acknowledged.products.push(tag);
            }
          } catch (error) {
            failures.push((error as { code?: string }).code ?? String(error));
          }
        }
      }),
    );
    expect(killed).toBe(true);
    // A write that was not acknowledged failed as the worker went away, and nothing else.
    expect(new Set(failures)).toSatisfy((codes: Set<string>) => [...codes].every((code) => code === 'WORKER_UNAVAILABLE' || code === 'GATEWAY_TIMEOUT'));
    expect(acknowledged.items.length + acknowledged.products.length).toBeGreaterThan(WRITES / 2);

    const items = await waitFor(async () => db.select<{ tag: string }>('SELECT tag FROM items'), 20_000, 'the restarted worker');
    const storedItems = new Set(items.map((r) => r.tag));
    for (const tag of acknowledged.items) expect(storedItems.has(tag), `acknowledged insert ${tag}`).toBe(true);
    const storedProducts = new Set((await db.select<{ name: string }>('SELECT name FROM products')).map((r) => r.name));
    for (const tag of acknowledged.products) expect(storedProducts.has(tag), `acknowledged create ${tag}`).toBe(true);

    // Each stored row has its event: they committed in the same transaction.
    const events = await db.select<{ tbl: string; n: number }>("SELECT tbl, count(*) AS n FROM _dbforge_events WHERE op = 'create' GROUP BY tbl ORDER BY tbl");
    expect(events).toEqual([
      { tbl: 'items', n: storedItems.size },
      { tbl: 'products', n: storedProducts.size },
    ]);
  });
});
