import { describe, expect, it } from 'vitest';
import { ADMIN_ACTOR, EventLog, ResourceEngine, type DatabaseAdapter } from '../src/index.js';
import { open, tempDir } from './helpers.js';
import { DEFAULT_TABLE, N, bothWays, comparable, ctx, inserter, items, listAll } from './bulk-events-support.js';

/**
 * Bulk inserts' pending events at the edges: triggers, conflict clauses, quotas, settings, keys, retention and commit
 * groups. Each test runs the same writes both ways (see bulk-events-support.ts) and expects the same outcome and log.
 */

/** The log, or the error reading it failed with (as a string, so that the two runs can be compared). */
async function logOf(db: DatabaseAdapter): Promise<ReturnType<typeof comparable> | string> {
  try {
    return comparable(await listAll(db));
  } catch (error) {
    return `log unreadable: ${(error as Error).message}`;
  }
}

function both(script: Parameters<typeof bothWays>[0], setup = DEFAULT_TABLE) {
  return bothWays(script, setup, logOf);
}

const INSERT_ITEMS = 'INSERT INTO items (id, name, price) VALUES (?, ?, ?)';

describe("bulk inserts' events: rows changed without the capture seeing it", () => {
  it('a trigger of another table that REPLACEs a bulk row (the statement itself does not say REPLACE)', async () => {
    const { bulk, rows } = await both(async (db, insert) => {
      await db.execute('CREATE TABLE other (id INTEGER PRIMARY KEY)', undefined, { context: ctx() });
      await db.execute("CREATE TRIGGER other_ins AFTER INSERT ON other BEGIN REPLACE INTO items (id, name) VALUES (NEW.id, 'replaced'); END", undefined, { context: ctx() });
      await insert(INSERT_ITEMS, items(1, N));
      await db.execute('INSERT INTO other (id) VALUES (5)', undefined, { context: ctx('bob') });
    });
    expect(bulk.log).toEqual(rows.log);
  });

  it('a trigger that removes a bulk row by a REPLACE conflict on another column leaves the log readable', async () => {
    const { bulk, rows } = await both(async (db, insert) => {
      await db.execute('CREATE TABLE other (id INTEGER PRIMARY KEY)', undefined, { context: ctx() });
      await db.execute("CREATE TRIGGER other_ins AFTER INSERT ON other BEGIN INSERT OR REPLACE INTO items (id, name) VALUES (NEW.id + 100000, 'item 5'); END", undefined, { context: ctx() });
      await insert(INSERT_ITEMS, items(1, N));
      await db.execute('INSERT INTO other (id) VALUES (1)', undefined, { context: ctx('bob') });
    });
    expect(bulk.log).toEqual(rows.log);
  });

  it('an INSTEAD OF trigger of a view that REPLACEs a bulk row', async () => {
    const { bulk, rows } = await both(async (db, insert) => {
      await db.execute('CREATE VIEW items_view AS SELECT id, name FROM items', undefined, { context: ctx() });
      await db.execute("CREATE TRIGGER items_view_ins INSTEAD OF INSERT ON items_view BEGIN INSERT OR REPLACE INTO items (id, name) VALUES (NEW.id, NEW.name); END", undefined, { context: ctx() });
      await insert(INSERT_ITEMS, items(1, N));
      await db.execute("INSERT INTO items_view (id, name) VALUES (7, 'via view')", undefined, { context: ctx('bob') });
    });
    expect(bulk.log).toEqual(rows.log);
  });

  it('resetting sqlite_sequence (plain DML on SQLite\'s table) keeps the reserved event ids unique', async () => {
    const { bulk, rows } = await both(async (db, insert) => {
      await insert(INSERT_ITEMS, items(1, N));
      await db.execute('DELETE FROM sqlite_sequence', undefined, { context: ctx('bob') });
      await db.execute("UPDATE items SET name = 'changed' WHERE id = 3", undefined, { context: ctx('bob') });
      await insert(INSERT_ITEMS, items(N + 1, N), ctx('carol'));
    });
    expect(bulk.log).toEqual(rows.log);
  });

  it('a resource delete that cascades (SQL foreign key) into a plain table with pending bulk rows', async () => {
    const results: unknown[] = [];
    for (const isBulk of [true, false]) {
      const db = await open('sqlite');
      const engine = await ResourceEngine.open(db, { database: 'shop', dataDir: tempDir() });
      await engine.apply('resource: owners\nfields:\n  id: {type: primary_key}\n  name: {type: string}\n');
      await engine.create('owners', { name: 'o1' }, { actor: ADMIN_ACTOR, hooks: new Set(), fingerprint: 'f' });
      await db.execute('CREATE TABLE pets (id INTEGER PRIMARY KEY, owner INTEGER REFERENCES owners (id) ON DELETE CASCADE, name TEXT)', undefined, { context: ctx() });
      await inserter(db, isBulk)('INSERT INTO pets (id, owner, name) VALUES (?, ?, ?)', items(1, N).map(([id, name]) => [id!, Number(id) === 3 ? 1 : null, name!]));
      await engine.remove('owners', '1', { actor: ADMIN_ACTOR, hooks: new Set(), fingerprint: 'f' });
      const log = await logOf(db);
      results.push(typeof log === 'string' ? log : log.filter((e) => e.table === 'pets' && e.record_id === '3'));
    }
    expect(results[0]).toEqual(results[1]);
  });
});

describe("bulk inserts' events: the event log setting across restarts", () => {
  it('event_log turned off (a setting an admin can change, worker restarted) and on again', async () => {
    const results: unknown[] = [];
    for (const isBulk of [true, false]) {
      const directory = tempDir();
      let db = await open('sqlite', { directory });
      await db.execute('CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, price REAL)', undefined, { context: ctx() });
      await inserter(db, isBulk)(INSERT_ITEMS, items(1, N));
      await db.close();
      // PATCH /admin/databases/:name {event_log: false}: the worker restarts with the log off.
      db = await open('sqlite', { directory, eventLog: false });
      await db.execute('UPDATE items SET price = -1 WHERE id = 4');
      await db.execute('DELETE FROM items WHERE id = 9');
      await db.close();
      db = await open('sqlite', { directory, eventLog: true });
      const log = await logOf(db);
      results.push(typeof log === 'string' ? log : log.filter((e) => e.record_id === '4' || e.record_id === '9'));
    }
    expect(results[0]).toEqual(results[1]);
  });
});

describe("bulk inserts' events: quota", () => {
  it('rows whose events are much larger than the rows (wide, mostly NULL) near a size limit', async () => {
    const outcomes: string[][] = [];
    const columns = Array.from({ length: 40 }, (_, i) => `a_rather_long_column_name_number_${i}`);
    for (const isBulk of [true, false]) {
      const directory = tempDir();
      const db = await open('sqlite', { directory, maxDatabaseBytes: 1024 * 1024 });
      await db.execute(`CREATE TABLE wide (id INTEGER PRIMARY KEY, ${columns.map((c) => `${c} TEXT`).join(', ')})`);
      const outcome: string[] = [];
      const result = await inserter(db, isBulk)('INSERT INTO wide (id) VALUES (?)', Array.from({ length: 2000 }, (_, i) => [i + 1])).then(
        () => 'ok',
        (error: { code?: string }) => `${error.code}`,
      );
      outcome.push(result);
      const log = await logOf(db);
      outcome.push(typeof log === 'string' ? log : `events ${log.length}`);
      outcomes.push(outcome);
    }
    expect(outcomes[0]).toEqual(outcomes[1]);
  });

  it('several bulk inserts, each small next to the space left, whose events together do not fit', async () => {
    const outcomes: string[][] = [];
    for (const isBulk of [true, false]) {
      const directory = tempDir();
      const db = await open('sqlite', { directory, maxDatabaseBytes: 2 * 1024 * 1024 });
      await db.execute('CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, price REAL)');
      const insert = inserter(db, isBulk);
      let accepted = 0;
      for (let b = 0; b < 60; b++) {
        const ok = await insert(INSERT_ITEMS, items(1 + b * 1000, 1000)).then(
          () => true,
          () => false,
        );
        if (!ok) break;
        accepted++;
      }
      const log = await logOf(db);
      outcomes.push([`accepted ${accepted}`, typeof log === 'string' ? log : `events ${log.length}`]);
    }
    expect(outcomes[0]).toEqual(outcomes[1]);
  });
});

describe("bulk inserts' events: keys and values", () => {
  it('keys beyond 2^53 updated and deleted before the log is read', async () => {
    const big = 2n ** 60n;
    const { bulk, rows } = await both(async (db, insert) => {
      await insert('INSERT INTO items (id, name) VALUES (?, ?)', Array.from({ length: N }, (_, i) => [String(big + BigInt(i)), `big ${i}`]));
      await db.execute(`UPDATE items SET name = 'changed' WHERE id = ${big + 1n}`, undefined, { context: ctx('bob') });
      await db.execute(`DELETE FROM items WHERE id = ${big + 2n}`, undefined, { context: ctx('bob') });
      await db.execute(`UPDATE items SET id = ${big + 100000n} WHERE id = ${big + 3n}`, undefined, { context: ctx('bob') });
    });
    expect(bulk.log).toEqual(rows.log);
  });

  it('keys near -2^53 (safe integers whose distance to the event id is not)', async () => {
    const low = -9007199254740991;
    const { bulk, rows } = await both(async (db, insert) => {
      await db.execute("INSERT INTO items (id, name) VALUES (0, 'first')", undefined, { context: ctx() });
      await insert('INSERT INTO items (id, name) VALUES (?, ?)', Array.from({ length: N }, (_, i) => [low + i, `low ${i}`]));
    });
    expect(bulk.log).toEqual(rows.log);
  });

  it('total_changes() in the VALUES of a bulk insert (the capture\'s own inserts count row by row)', async () => {
    const { bulk, rows } = await both(async (_db, insert) => {
      await insert('INSERT INTO items (id, name, price) VALUES (?, ?, total_changes())', items(1, N).map(([id, name]) => [id!, name!]));
    });
    expect(bulk.log).toEqual(rows.log);
  });
});

describe("bulk inserts' events: conflict clauses of the table", () => {
  it('a parent removed by its own ON CONFLICT REPLACE constraint cascades into a bulk child table', async () => {
    const { bulk, rows } = await both(
      async (db, insert) => {
        await db.execute('CREATE TABLE parents (id INTEGER PRIMARY KEY, name TEXT UNIQUE ON CONFLICT REPLACE)', undefined, { context: ctx() });
        await db.execute('CREATE TABLE children (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES parents (id) ON DELETE CASCADE, v TEXT)', undefined, { context: ctx() });
        await db.execute("INSERT INTO parents (id, name) VALUES (1, 'p1'), (2, 'p2')", undefined, { context: ctx() });
        await insert('INSERT INTO children (id, parent, v) VALUES (?, ?, ?)', items(1, N).map(([id, name]) => [id!, (Number(id) % 2) + 1, name!]));
        await db.execute("INSERT INTO parents (id, name) VALUES (99, 'p1')", undefined, { context: ctx('bob') });
      },
      '',
    );
    expect(bulk.log).toEqual(rows.log);
  });

  it('a table whose constraint says ON CONFLICT IGNORE (a set that is ignored fails the bulk insert)', async () => {
    const outcomes: unknown[] = [];
    for (const isBulk of [true, false]) {
      const db = await open('sqlite');
      await db.execute('CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE ON CONFLICT IGNORE, price REAL)', undefined, { context: ctx() });
      const sets = items(1, N);
      sets[300] = [301, 'item 1', 1];
      const result = await inserter(db, isBulk)(INSERT_ITEMS, sets).then(
        () => 'ok',
        (error: { code?: string; message?: string }) => `${error.code}: ${error.message}`,
      );
      const log = await logOf(db);
      outcomes.push([result, typeof log === 'string' ? log : log.length]);
    }
    expect(outcomes[0]).toEqual(outcomes[1]);
  });
});

describe("bulk inserts' events: retention", () => {
  it('retention by count and by age over pending bulk events', async () => {
    const { bulk, rows } = await both(async (db, insert) => {
      await insert(INSERT_ITEMS, items(1, N));
      await db.execute('UPDATE items SET price = 0 WHERE id % 50 = 0', undefined, { context: ctx('bob') });
      await new EventLog(db).applyRetention({ maxEvents: 100 });
      await insert(INSERT_ITEMS, items(N + 1, N));
      await db.execute('DELETE FROM items WHERE id % 60 = 0', undefined, { context: ctx('bob') });
      await new EventLog(db).applyRetention({ maxAgeDays: 1 }, new Date(Date.now() + 3 * 86_400_000));
      await insert(INSERT_ITEMS, items(2 * N + 1, N));
    });
    expect(bulk.log).toEqual(rows.log);
  });
});

describe("bulk inserts' events: group commit and transactions", () => {
  it('a transaction in a commit group that reads the log (settling it) and then fails', async () => {
    const { bulk, rows } = await both(async (db, insert) => {
      await insert(INSERT_ITEMS, items(1, N));
      await Promise.all([
        db.execute("UPDATE items SET name = 'x' WHERE id = 2", undefined, { context: ctx('bob') }),
        db
          .transaction(async (tx) => {
            await tx.all('SELECT count(*) AS n FROM _dbforge_events');
            await tx.run("UPDATE items SET name = 'y' WHERE id = 3");
            throw new Error('abandoned');
          })
          .catch(() => undefined),
        db.execute("UPDATE items SET name = 'z' WHERE id = 4", undefined, { context: ctx('carol') }),
      ]);
      await insert(INSERT_ITEMS, items(N + 1, N), ctx('dan'));
      await Promise.all([
        db.transaction(async (tx) => {
          await tx.run("UPDATE items SET name = 'w' WHERE id = 5");
          await tx.all('SELECT max(id) FROM _dbforge_events');
          throw new Error('abandoned too');
        }).catch(() => undefined),
        db.execute("UPDATE items SET name = 'v' WHERE id = 6", undefined, { context: ctx('erin') }),
      ]);
    });
    expect(bulk.log).toEqual(rows.log);
  });

  it('a bulk insert that fails midway as a later member of a group; the members after it are captured', async () => {
    const { bulk, rows } = await both(async (db, insert) => {
      const sets = items(1, N);
      sets[400] = [401, 'item 2', 0];
      await Promise.all([
        db.execute("INSERT INTO items (id, name) VALUES (100000, 'first')", undefined, { context: ctx('bob') }),
        insert(INSERT_ITEMS, sets).catch(() => undefined),
        db.execute("INSERT INTO items (id, name) VALUES (100001, 'after')", undefined, { context: ctx('carol') }),
        insert(INSERT_ITEMS, items(1, N), ctx('dan')),
        db.execute("UPDATE items SET name = 'changed' WHERE id = 10", undefined, { context: ctx('erin') }),
      ]);
    });
    expect(bulk.log).toEqual(rows.log);
    expect(typeof bulk.log === 'string' ? 0 : bulk.log.length).toBe(N + 3);
  });

  it('a bulk insert and a failing DDL in the same group, and the catch-up while a transaction is open', async () => {
    const { bulk, rows } = await both(async (db, insert) => {
      await Promise.all([
        db.execute("INSERT INTO items (id, name) VALUES (100000, 'first')", undefined, { context: ctx('bob') }),
        insert(INSERT_ITEMS, items(1, N)),
        // A DDL that fails when it runs (after settling the pending entry inside its savepoint).
        db.execute('CREATE UNIQUE INDEX ux ON items (price > 0)', undefined, { context: ctx('carol') }).catch(() => undefined),
        db.execute('DELETE FROM items WHERE id = 7', undefined, { context: ctx('carol') }),
        db.execute("REPLACE INTO items (id, name) VALUES (8, 'r')", undefined, { context: ctx('carol') }),
        db.batch([{ sql: "UPDATE items SET name = 'q' WHERE id = 9" }, { sql: 'SELECT * FROM nowhere' }], { context: ctx('dan') }).catch(() => undefined),
      ]);
      await insert(INSERT_ITEMS, items(N + 1, N));
      // A transaction held across the idle delay: the catch-up waits for it.
      await db.transaction(async (tx) => {
        await tx.run("UPDATE items SET name = 'held' WHERE id = 600");
        await new Promise((resolve) => setTimeout(resolve, 400));
        await tx.run("UPDATE items SET name = 'held 2' WHERE id = 601");
      }, { context: ctx('erin') });
      await new Promise((resolve) => setTimeout(resolve, 400));
    });
    expect(bulk.log).toEqual(rows.log);
  });
});
