import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DbForgeClient, type ResourceRecord } from '@dbforge/client';
import { ROOT, RUNTIMES, failure, removeTempDirs, startGateway, stopAllGateways, uniqueName, type RunningGateway } from '../support/gateway.js';

afterAll(async () => {
  await stopAllGateways();
  removeTempDirs();
});

const ENGINES = ['sqlite', 'duckdb'] as const;
const example = (name: string) => fs.readFileSync(path.join(ROOT, 'examples', `${name}.yaml`), 'utf8');

async function fresh(client: DbForgeClient, engine: string, yaml: string, prefix: string) {
  const name = uniqueName(prefix);
  await client.spawnDatabase(name, { engine: engine as 'sqlite' | 'duckdb' });
  const db = client.db(name);
  const applied = await db.applySchema(yaml);
  return { name, db, applied };
}

describe.each(RUNTIMES)('resources API (%s runtime)', (runtime) => {
  let gw: RunningGateway;
  beforeAll(async () => {
    gw = await startGateway({ runtime });
  });

  it('serves the JSON Schema of the format without a key, equal to docs/resource-schema.json', async () => {
    const reply = await gw.client.withApiKey(undefined).raw('GET', '/schemas/resource.json');
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toMatch(/application\/schema\+json/);
    expect(reply.body).toEqual(JSON.parse(fs.readFileSync(path.join(ROOT, 'docs/resource-schema.json'), 'utf8')));
  });

  describe.each(ENGINES)('on %s', (engine) => {
    it('blog: apply, create with magic fields, many-to-many tags, rules that set fields, filters, sort and pages', async () => {
      const { name, db, applied } = await fresh(gw.client, engine, example('blog'), 'blog');
      expect(applied.resources.map((r) => [r.name, r.status, r.version])).toEqual([
        ['authors', 'created', 1],
        ['tags', 'created', 1],
        ['posts', 'created', 1],
      ]);
      const authors = db.resource('authors');
      const ada = await authors.create({ name: 'Ada', email: 'ada@example.com', password: 'correct horse battery' });
      expect(ada).toMatchObject({ id: 1, name: 'Ada', email: 'ada@example.com', created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/) });
      expect(ada).not.toHaveProperty('password');
      // The hash is stored (argon2id), never returned.
      const stored = await db.select<{ password: string }>('SELECT password FROM authors WHERE id = 1');
      expect(stored[0]!.password).toMatch(/^\$argon2id\$/);

      const tags = db.resource('tags');
      const sql = await tags.create({ name: 'sql' });
      const yaml = await tags.create({ name: 'yaml' });
      const posts = db.resource('posts');
      const first = await posts.create({ title: 'Hello world', slug: 'hello-world', body: 'First post', author: ada.id, tags: [sql.id, yaml.id] });
      expect(first).toMatchObject({ status: 'draft', views: 0, tags: [sql.id, yaml.id], published_at: null, created_by: 'admin', updated_by: 'admin' });
      const second = await posts.create({ title: 'Second thoughts', slug: 'second', author: ada.id, status: 'published', metadata: { lang: 'en' } });
      expect(second.published_at).toEqual(expect.stringMatching(/Z$/)); // set by the before_create rule
      expect(second.metadata).toEqual({ lang: 'en' });
      await posts.create({ title: 'Third', slug: 'third', author: ada.id, views: 7, tags: [yaml.id] });

      // Filters, operators, search, sort, pages.
      expect((await posts.list({ status: 'published' })).data.map((p) => p.slug)).toEqual(['second']);
      expect((await posts.list({ 'views[gte]': 1 })).data.map((p) => p.slug)).toEqual(['third']);
      expect((await posts.list({ 'slug[in]': 'third,hello-world', sort: '-slug' })).data.map((p) => p.slug)).toEqual(['third', 'hello-world']);
      expect((await posts.list({ 'title[like]': 'h%' })).data.map((p) => p.slug).sort()).toEqual(['hello-world']);
      expect((await posts.list({ q: 'FIRST' })).data.map((p) => p.slug)).toEqual(['hello-world']);
      expect((await posts.list({ tags: yaml.id as number, sort: 'slug' })).data.map((p) => p.slug)).toEqual(['hello-world', 'third']);
      expect((await posts.list({ 'published_at[null]': true, count: true })).total).toBe(2);
      const page1 = await posts.list({ sort: 'slug', limit: 2, count: true });
      expect(page1).toMatchObject({ has_more: true, total: 3, next_cursor: expect.any(String) });
      expect(page1.data.map((p) => p.slug)).toEqual(['hello-world', 'second']);
      const page2 = await posts.list({ sort: 'slug', limit: 2, cursor: page1.next_cursor! });
      expect(page2).toMatchObject({ has_more: false, next_cursor: null });
      expect(page2.data.map((p) => p.slug)).toEqual(['third']);
      expect((await posts.list({ sort: 'slug', limit: 1, offset: 2 })).data.map((p) => p.slug)).toEqual(['third']);
      // interface.per_page is the default page size.
      expect((await posts.list()).data).toHaveLength(3);

      // An update through a rule: publishing stamps published_at; archiving is final.
      const published = await posts.update(first.id as number, { status: 'published', tags: [sql.id] });
      expect(published).toMatchObject({ status: 'published', tags: [sql.id], published_at: expect.stringMatching(/Z$/) });
      await posts.update(first.id as number, { status: 'archived' });
      const reopen = await failure(posts.update(first.id as number, { status: 'draft' }));
      expect(reopen).toMatchObject({ status: 422, code: 'VALIDATION_ERROR', message: "An archived post can't be published again." });

      // Validation names every failing field at once.
      const invalid = await failure(posts.create({ title: 'x', slug: 'Not A Slug', status: 'secret', views: -1, extra: 1, created_at: 'now' }));
      expect(invalid.status).toBe(422);
      expect((invalid.details as { field: string }[]).map((d) => d.field).sort()).toEqual(
        ['body.author', 'body.created_at', 'body.extra', 'body.slug', 'body.status', 'body.title', 'body.views'].sort(),
      );
      // A reference to a record that does not exist; a unique value taken.
      expect(await failure(posts.create({ title: 'Ghost', slug: 'ghost', author: 999 }))).toMatchObject({ status: 422, details: [{ field: 'body.author' }] });
      expect(await failure(posts.create({ title: 'Again', slug: 'second', author: ada.id }))).toMatchObject({ status: 409, code: 'CONFLICT' });
      expect(await failure(authors.create({ name: 'Eve', email: 'not-an-email' }))).toMatchObject({ details: [{ field: 'body.email', message: 'must be an email address' }] });

      // Unknown ids, resources and query fields.
      expect(await failure(posts.get(12345))).toMatchObject({ status: 404 });
      expect(await failure(db.resource('nothing').list())).toMatchObject({ status: 404, message: "Resource 'nothing' not found." });
      expect(await failure(posts.list({ colour: 'red' }))).toMatchObject({ status: 400 });
      expect(await failure(posts.list({ limit: 5000 }))).toMatchObject({ status: 422 });

      // Deleting an author cascades to their posts and their links.
      await authors.delete(ada.id as number);
      expect((await posts.list({ count: true })).total).toBe(0);
      expect(await db.select('SELECT count(*) AS n FROM posts_tags')).toEqual([{ n: 0 }]);
      // Ada was the newest author: her id is not handed out again, so the event log's record 1 stays hers alone.
      expect(await authors.create({ name: 'Grace', email: 'grace@example.com' })).toMatchObject({ id: 2 });

      // The schema: versions with their YAML, the per-database OpenAPI document.
      const schema = await db.getSchema();
      expect(schema.resources.map((r) => r.name).sort()).toEqual(['authors', 'posts', 'tags']);
      const postsSchema = schema.resources.find((r) => r.name === 'posts')!;
      expect(postsSchema.versions).toHaveLength(1);
      expect(postsSchema.versions[0]!.yaml).toContain('resource: posts');
      expect(postsSchema.warnings).toContain("hooks.before_create: 'moderate_post' has no webhook configured for this database: it is skipped");
      expect((postsSchema.definition as { extra: Record<string, unknown> }).extra.seo).toEqual({ sitemap: true });
      const openapi = (await db.openapi()) as { paths: Record<string, unknown>; components: { schemas: Record<string, unknown> } };
      expect(Object.keys(openapi.paths)).toContain(`/api/db/${name}/resources/posts/{id}`);
      expect(openapi.components.schemas).toHaveProperty('PostsCreate');
      expect(JSON.stringify(openapi.components.schemas.Authors)).not.toContain('password');
    });

    it('shop: decimals, JSON, encrypted and protected fields, restrict, rules on create, update and delete, import and export', async () => {
      const { name, db } = await fresh(gw.client, engine, example('shop'), 'shop');
      const products = db.resource('products');
      const book = await products.create({ sku: 'BOOK-1', name: 'SQL for Everyone', price: 19.99, category: 'books', attributes: { pages: 320 } });
      expect(book).toMatchObject({ price: 19.99, stock: 0, active: true, attributes: { pages: 320 }, image: null });
      expect(await failure(products.create({ sku: 'X-1', name: 'Too precise', price: 1.999 }))).toMatchObject({
        details: [{ field: 'body.price', message: 'must have at most 2 decimal places' }],
      });
      expect((await products.list({ 'price[lt]': '20', active: true })).data).toHaveLength(1);
      expect((await products.list({ 'price[gt]': '20' })).data).toHaveLength(0);

      const shoppers = db.resource('shoppers');
      const grace = await shoppers.create({ email: 'grace@example.com', name: 'Grace', address: '1 Navy Yard', card_token: 'tok_secret_123' });
      expect(grace).toMatchObject({ address: '1 Navy Yard' });
      expect(grace).not.toHaveProperty('card_token');
      // Encrypted at rest, readable through the API only.
      const raw = await db.select<{ address: string; card_token: string }>('SELECT address, card_token FROM shoppers');
      expect(raw[0]!.address).toMatch(/^enc:v1:/);
      expect(raw[0]!.address).not.toContain('Navy');
      expect(raw[0]!.card_token).toBe('tok_secret_123');
      expect(await shoppers.get(grace.id as number)).toMatchObject({ address: '1 Navy Yard' });
      expect(await failure(shoppers.list({ address: '1 Navy Yard' }))).toMatchObject({ status: 400 });
      // PII never reaches the worker's log.
      const logs = await gw.client.databaseLogs(name, 200);
      expect(logs.lines.join('\n')).toContain('record created');
      expect(logs.lines.join('\n')).not.toContain('grace@example.com');
      expect(logs.lines.join('\n')).not.toContain('Navy');

      const orders = db.resource('orders');
      const order = await orders.create({ shopper: grace.id, product: book.id, quantity: 2, total: 39.98 });
      expect(order).toMatchObject({ status: 'pending', ordered_on: expect.stringMatching(/^\d{4}-\d\d-\d\d$/), created_by: 'admin' });
      // require_role: the platform admin acts with the role admin, not manager.
      expect(await failure(orders.create({ shopper: grace.id, product: book.id, quantity: 60 }))).toMatchObject({ status: 403, code: 'FORBIDDEN' });
      // restrict: a product with orders can't be deleted.
      expect(await failure(products.delete(book.id as number))).toMatchObject({ status: 409, code: 'CONFLICT' });
      await orders.update(order.id as number, { status: 'shipped' });
      expect(await failure(orders.update(order.id as number, { status: 'pending' }))).toMatchObject({ status: 422 });
      expect(await failure(orders.delete(order.id as number))).toMatchObject({ status: 422, message: 'Paid and shipped orders are kept for the books.' });

      // Bulk: all or nothing.
      const bulk = await products.bulkCreate([
        { sku: 'GAME-1', name: 'Chess', price: 30, category: 'games' },
        { sku: 'TOOL-1', name: 'Hammer', price: 12.5, category: 'tools' },
      ]);
      expect(bulk.count).toBe(2);
      const badBulk = await failure(products.bulkCreate([{ sku: 'OK-1', name: 'Fine', price: 1 }, { sku: 'bad sku', name: 'Bad', price: -1 }]));
      expect((badBulk.details as { field: string }[]).map((d) => d.field).sort()).toEqual(['body.records[1].price', 'body.records[1].sku']);
      expect((await products.list({ count: true })).total).toBe(3);

      // Export then import into a fresh database: CSV round trip, server-set columns ignored.
      const csv = (await products.export('csv', { sort: 'sku' })) as string;
      expect(csv.split('\n')[0]).toBe('id,sku,name,description,price,stock,active,category,attributes,image,created_at,updated_at');
      const json = (await products.export('json', { category: 'games' })) as ResourceRecord[];
      expect(json.map((p) => p.sku)).toEqual(['GAME-1']);
      const copy = await fresh(gw.client, engine, example('shop'), 'shopcopy');
      const imported = await copy.db.resource('products').import(csv);
      expect(imported).toMatchObject({ imported: 3, ignored_columns: ['created_at', 'id', 'image', 'updated_at'] });
      expect((await copy.db.resource('products').get(1)).attributes).toEqual({ pages: 320 });
      const badImport = await failure(copy.db.resource('products').import('sku,name,price\nNEW-1,New,5\nbad,,x\n'));
      expect(badImport.status).toBe(422);
      expect((badImport.details as { field: string }[]).map((d) => d.field)).toEqual(['rows[1].sku', 'rows[1].name', 'rows[1].price']);
      expect((await copy.db.resource('products').list({ count: true })).total).toBe(3);

      // A file field: upload, download, refused types and sizes.
      const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
      const withImage = await products.uploadFile(book.id as number, 'image', png, { contentType: 'image/png', filename: 'cover.png' });
      expect(withImage.image).toMatchObject({ name: 'cover.png', size: png.length, content_type: 'image/png', url: `/api/db/${name}/resources/products/${book.id}/files/image` });
      const download = await products.downloadFile(book.id as number, 'image');
      expect(Buffer.from(download.bytes).equals(png)).toBe(true);
      expect(download.contentType).toBe('image/png');
      expect(download.disposition).toContain('cover.png');
      expect(await failure(products.uploadFile(book.id as number, 'image', Buffer.from('hi'), { contentType: 'text/plain' }))).toMatchObject({ status: 422 });
      expect(await failure(products.uploadFile(book.id as number, 'image', Buffer.alloc(2 * 1024 * 1024 + 1), { contentType: 'image/png' }))).toMatchObject({ status: 413 });
      expect(await failure(products.update(book.id as number, { image: 'x' }))).toMatchObject({ status: 422 });
    });

    it('crm: the credit-limit rule, encrypted phone numbers, set_null references, PUT, validation with line and column, migrations', async () => {
      const { db } = await fresh(gw.client, engine, example('crm'), 'crm');
      const companies = db.resource('companies');
      const customers = db.resource('customers');
      const acme = await companies.create({ name: 'Acme', website: 'https://acme.example' });
      const ada = await customers.create({ name: 'Ada', email: 'ada@acme.example', phone: '+1 555 0100', company: acme.id, credit_limit: 20000 });
      expect(ada).toMatchObject({ status: 'lead', credit_limit: 20000, phone: '+1 555 0100', created_by: 'admin' });
      expect(await failure(customers.create({ name: 'Big', email: 'big@acme.example', credit_limit: 60000 }))).toMatchObject({
        status: 403,
        message: "Rule 'credit_limit_approval' requires the role 'manager'.",
      });
      expect(await failure(customers.update(ada.id as number, { credit_limit: 75000 }))).toMatchObject({ status: 403 });
      // Magic fields can't be set; auto_now moves on update.
      expect(await failure(customers.update(ada.id as number, { updated_at: '2020-01-01T00:00:00Z' }))).toMatchObject({ details: [{ field: 'body.updated_at', message: 'is set by the server' }] });
      const updated = await customers.update(ada.id as number, { status: 'active' });
      expect(String(updated.updated_at) >= String(ada.updated_at)).toBe(true);
      expect(updated.created_at).toBe(ada.created_at);
      // PUT replaces: fields left out go back to their default.
      const replaced = await customers.replace(ada.id as number, { name: 'Ada L.', email: 'ada@acme.example' });
      expect(replaced).toMatchObject({ name: 'Ada L.', status: 'lead', credit_limit: 1000, phone: null, company: null });
      await customers.update(ada.id as number, { company: acme.id });
      await companies.delete(acme.id as number);
      expect((await customers.get(ada.id as number)).company).toBeNull();

      // A bad config: every problem, with its line and column; nothing applied.
      const bad = await gw.client.raw('PUT', `/api/db/${db.name}/schema`, {
        rawBody: 'resource: gadgets\nfields:\n  name:\n    type: strng\n  price:\n    type: decimal\n    scale: 9\n    precision: 4\n  kind:\n    type: select\n',
        headers: { 'content-type': 'application/yaml' },
      });
      expect(bad.status).toBe(422);
      const problems = (bad.body as { error: { details: { field: string; line: number; column: number; message: string }[] } }).error.details;
      expect(problems).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ field: 'gadgets.fields.name.type', line: 4, column: 11 }),
        ]),
      );
      const semantic = await gw.client.raw('PUT', `/api/db/${db.name}/schema`, {
        rawBody: 'resource: gadgets\nfields:\n  price:\n    type: decimal\n    scale: 9\n    precision: 4\n  kind:\n    type: select\n',
        headers: { 'content-type': 'application/yaml' },
      });
      const semanticProblems = (semantic.body as { error: { details: { field: string; line: number }[] } }).error.details;
      expect(semanticProblems.map((p) => [p.field, p.line])).toEqual([
        ['gadgets.fields.price.scale', 5],
        ['gadgets.fields.kind', 8],
      ]);
      expect(await gw.client.raw('PUT', `/api/db/${db.name}/schema`, { body: { resource: 'x' } })).toMatchObject({ status: 415 });

      // Migrations: a new field is a live column; dropping one needs allow_destructive and rebuilds the table.
      const next = example('crm').replace('  notes:\n    type: text\n', '  notes:\n    type: text\n  tier:\n    type: integer\n    default: 1\n');
      const dry = await db.applySchema(next, { dryRun: true });
      expect(dry.plan.map((s) => s.action)).toEqual(['add_column', 'update_definition']);
      expect((await customers.get(ada.id as number))).not.toHaveProperty('tier');
      const applied = await db.applySchema(next);
      expect(applied.resources).toEqual([
        { name: 'companies', version: 1, status: 'unchanged' },
        { name: 'customers', version: 2, status: 'updated' },
      ]);
      expect(await customers.get(ada.id as number)).toMatchObject({ tier: 1 });
      const dropped = next.replace('  notes:\n    type: text\n', '').replace('  phone:\n    type: string\n', '  phone:\n    type: text\n');
      const refused = await failure(db.applySchema(dropped));
      expect(refused).toMatchObject({ status: 409, code: 'CONFLICT' });
      expect((await db.applySchema(dropped, { allowDestructive: true })).plan.map((s) => s.action)).toEqual(['rebuild_table', 'update_definition']);
      const after = await customers.get(ada.id as number);
      expect(after).not.toHaveProperty('notes');
      expect(after).toMatchObject({ name: 'Ada L.', tier: 1, email: 'ada@acme.example' });
      expect(await failure(customers.create({ name: 'Dup', email: 'ada@acme.example' }))).toMatchObject({ status: 409 });
      const history = await db.getResourceSchema('customers');
      expect(history.versions.map((v) => v.version)).toEqual([1, 2, 3]);

      // Removing a resource is its own call; its history stays.
      const removed = await db.removeResource('companies');
      expect(removed.warnings).toEqual(["customers.company refers to 'companies', which no longer exists: its values are accepted unchecked"]);
      expect(await failure(companies.list())).toMatchObject({ status: 404 });
      expect((await db.getSchema()).removed.map((r) => r.name)).toEqual(['companies']);
    });

    it('tasks: cascades, composite indexes, rules that stamp and clear, require_role before delete, capabilities', async () => {
      const { db } = await fresh(gw.client, engine, example('tasks'), 'tasks');
      const boards = db.resource('boards');
      const tasks = db.resource('tasks');
      const board = await boards.create({ name: 'Launch' });
      expect(board.owner).toBe('admin');
      const t1 = await tasks.create({ board: board.id, title: 'Write docs', estimate_hours: 2.5, labels: ['docs'], due: '2026-12-01' });
      expect(t1).toMatchObject({ status: 'todo', priority: 3, estimate_hours: 2.5, labels: ['docs'], due: '2026-12-01', done_at: null });
      expect(await failure(tasks.update(t1.id as number, { status: 'done' }))).toMatchObject({ status: 422 });
      await tasks.update(t1.id as number, { status: 'review' });
      const done = await tasks.update(t1.id as number, { status: 'done' });
      expect(done.done_at).toEqual(expect.stringMatching(/Z$/));
      expect((await tasks.update(t1.id as number, { status: 'doing' })).done_at).toBeNull();
      expect(await failure(tasks.create({ board: board.id, title: 'x', due: '2026-02-30', priority: 9, assignee: 'nobody' }))).toMatchObject({
        details: [
          { field: 'body.due', message: 'must be a date (2025-01-31)' },
          { field: 'body.priority', message: 'must be at most 5' },
          { field: 'body.assignee', message: 'must be an email address' },
        ],
      });
      expect(await failure(tasks.delete(t1.id as number))).toMatchObject({ status: 403 });
      await tasks.create({ board: board.id, title: 'Ship it', status: 'done' });
      const describe1 = await db.describeTable('tasks');
      expect(describe1.indexes.map((i) => i.name)).toEqual(expect.arrayContaining(['ix_tasks_board', 'ix_tasks_board_status', 'ix_tasks_assignee_due']));
      await boards.delete(board.id as number);
      expect((await tasks.list({ count: true })).total).toBe(0);

      const capabilities = await db.capabilities();
      expect(capabilities).toMatchObject({ engine, capabilities: { transactions: true, exact_decimals: engine === 'duckdb' } });
      const precise = 'resource: ledger\nfields:\n  amount:\n    type: decimal\n    precision: 30\n    scale: 10\n';
      if (engine === 'sqlite') {
        expect(await failure(db.applySchema(precise))).toMatchObject({ status: 501, code: 'CAPABILITY_NOT_SUPPORTED', message: expect.stringContaining('exact_decimals') });
      } else {
        await db.applySchema(precise);
        const entry = await db.resource('ledger').create({ amount: '12345678901234567890.0123456789' });
        expect(entry.amount).toBe('12345678901234567890.0123456789');
      }
    });
  });

  it('accepts MetaBuilder DBAL entity files: uuid keys, enums, ACLs as permissions, relations', async () => {
    const name = uniqueName('dbal');
    await gw.client.spawnDatabase(name);
    const db = gw.client.db(name);
    const applied = await db.applySchema(
      [
        'entity: User',
        'version: "1.0"',
        'fields:',
        '  id: { type: uuid, primary: true, generated: true }',
        '  username: { type: string, required: true, unique: true, min_length: 3, max_length: 50, pattern: "^[a-zA-Z0-9_-]+$" }',
        '  role: { type: enum, required: true, values: [user, admin], default: user }',
        '  bio: { type: text, optional: true, nullable: true }',
        '  createdAt: { type: bigint, generated: true }',
        'indexes:',
        '  - fields: [role]',
        'acl:',
        '  read: { self: true, admin: true }',
        '---',
        'entity: Note',
        'fields:',
        '  id: { type: cuid, primary: true, generated: true }',
        '  authorId: { type: uuid, required: true }',
        '  text: { type: string, required: true }',
        'relations:',
        '  author: { type: belongs_to, entity: User, field: authorId, on_delete: cascade }',
      ].join('\n'),
    );
    expect(applied.resources.map((r) => r.status)).toEqual(['created', 'created']);
    const user = await db.resource('User').create({ username: 'grace_h' });
    expect(user).toMatchObject({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), role: 'user', createdAt: expect.any(Number) });
    const note = await db.resource('Note').create({ authorId: user.id, text: 'hi' });
    expect(note.id).toMatch(/^c[a-z0-9]+$/);
    expect(await failure(db.resource('Note').create({ authorId: '00000000-0000-4000-8000-000000000000', text: 'x' }))).toMatchObject({ status: 422 });
    await db.resource('User').delete(user.id as string);
    expect((await db.resource('Note').list({ count: true })).total).toBe(0);
    const schema = await db.getResourceSchema('User');
    expect((schema.definition as { permissions: unknown }).permissions).toEqual({ read: { kind: 'list', entries: [{ role: 'owner' }, { role: 'admin' }] } });
  });
});
