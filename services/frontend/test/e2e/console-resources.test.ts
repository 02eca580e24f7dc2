import fs from 'node:fs';
import { DbForgeClient } from '@dbforge/client';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, shot } from './support/page-checks';
import { CHROMIUM_PATH, SCREENSHOTS_DIR, launchBrowser, removeTempDirs, startStack, uniqueName, type Stack } from './support/stack';

const hasChromium = fs.existsSync(CHROMIUM_PATH);
const inCi = process.env.CI === 'true';
const provision = 'Install it with: bash .ci/provision-chromium.sh (Debian package "chromium").';

if (!hasChromium && !inCi) {
  console.warn(`\n[console resources browser tests] SKIPPED: ${CHROMIUM_PATH} is missing. ${provision}\n`);
}

/** A config with a mistake on line 6: `strng` is no field type. */
const BAD_YAML = `resource: customers
fields:
  id:
    type: primary_key
  name:
    type: strng
    required: true
`;

const GOOD_YAML = `resource: customers
fields:
  id:
    type: primary_key
  name:
    type: string
    required: true
    max_length: 100
    searchable: true
  email:
    type: email
    required: true
    unique: true
  status:
    type: select
    options: [lead, active, churned]
    default: lead
  vip:
    type: boolean
    default: false
hooks:
  after_create: notify_sales
interface:
  list_display: [id, name, email, status]
  search_fields: [name]
  filters: [status]
  per_page: 20
`;

describe.skipIf(!hasChromium && !inCi)('resources, events and a database’s settings in Chromium, against the production build and a real gateway', () => {
  let stack: Stack;
  let context: BrowserContext;
  let page: Page;
  const database = uniqueName('crm');

  const url = (p: string) => `${stack.consoleUrl}${p}`;

  beforeAll(async () => {
    if (!hasChromium) {
      throw new Error(`Chromium is missing at ${CHROMIUM_PATH} and CI=true: the browser tests must run, not skip. ${provision}`);
    }
    fs.mkdirSync(SCREENSHOTS_DIR, { recursive: true });
    stack = await startStack();
    await stack.gateway.spawnDatabase(database);
    context = await launchBrowser();
    page = context.pages()[0] ?? (await context.newPage());
    await page.goto(url('/sign-in?method=api-key'));
    await page.getByLabel('API key').fill(stack.apiKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(url('/databases'));
  });

  afterAll(async () => {
    await context?.close();
    await stack?.stop();
    removeTempDirs();
  });

  it('marks a refused config’s problem at its line, then checks and applies a resource from the YAML editor', async () => {
    await page.goto(url(`/databases/${database}/resources`));
    const editor = page.getByRole('textbox', { name: 'YAML editor' });
    await editor.waitFor();
    await page.getByRole('region', { name: 'Records' }).getByText('No resources yet').waitFor();

    await editor.fill(BAD_YAML);
    await page.getByRole('button', { name: 'Check' }).click();
    const problems = page.getByRole('list', { name: 'Problems' });
    await problems.waitFor();
    expect(await problems.getByRole('button').allTextContents()).toContain('Line 6, column 11');
    // Marked in the editor: the word underlined, and a marker in the gutter beside its line.
    const marked = page.locator('.cm-lintRange-error');
    await marked.first().waitFor();
    expect(await marked.allTextContents()).toContain('strng');
    expect(await page.locator('.cm-gutter-lint .cm-lint-marker-error').count()).toBeGreaterThan(0);
    await shot(page, 'database-resources-problem');
    expect((await stack.gateway.db(database).getSchema()).resources).toEqual([]);

    // The problem's place is a button that puts the cursor on it.
    await problems.getByRole('button', { name: 'Line 6, column 11' }).click();
    expect(await page.evaluate(() => window.getSelection()?.toString())).toBe('strng');

    await editor.fill(GOOD_YAML);
    await page.getByRole('button', { name: 'Check' }).click();
    const plan = page.getByRole('list', { name: 'Planned steps' });
    await plan.getByText('create_table').waitFor();
    await page.getByRole('status').filter({ hasText: 'Nothing was applied.' }).waitFor();
    expect(await page.locator('.cm-lintRange-error').count()).toBe(0);
    expect((await stack.gateway.db(database).getSchema()).resources).toEqual([]);
    await shot(page, 'database-resources-plan');

    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByRole('status').filter({ hasText: 'Applied: customers created (version 1).' }).waitFor();
    const schema = await stack.gateway.db(database).getSchema();
    expect(schema.resources.map((r) => [r.name, r.version])).toEqual([['customers', 1]]);
    // The records of the new resource, with their browser, are there at once.
    await page.getByRole('navigation', { name: 'Resources' }).getByRole('link', { name: /customers/ }).waitFor();
    await page.getByText('No customers records yet').waitFor();
  });

  it('creates a record through the generated form (the API’s message at its field first), and its event appears live in Events', async () => {
    // The Events page, open in a second tab before the write: the event must arrive without a reload.
    const events = await context.newPage();
    await events.goto(url(`/databases/${database}/events`));
    await events.getByRole('status').filter({ hasText: 'Live: new events appear at the end.' }).waitFor();
    await events.getByText('No events yet').waitFor();

    await page.bringToFront();
    await page.getByRole('button', { name: 'New record' }).click();
    const dialog = page.getByRole('dialog', { name: 'New customers record' });
    await dialog.getByLabel('name', { exact: true }).fill('Ada Lovelace');
    await dialog.getByLabel('email', { exact: true }).fill('ada-at-example');
    expect(await dialog.getByLabel('status', { exact: true }).inputValue()).toBe('lead');
    await dialog.getByRole('button', { name: 'Create record' }).click();
    // The gateway's own words, at the field they are about.
    const email = dialog.getByLabel('email', { exact: true });
    await eventually(async () => expect(await email.getAttribute('aria-invalid')).toBe('true'));
    const described = await email.evaluate((el) =>
      (el.getAttribute('aria-describedby') ?? '')
        .split(' ')
        .map((id) => document.getElementById(id)?.textContent ?? '')
        .join(' '),
    );
    expect(described).toContain('must be an email address');
    await shot(page, 'database-resources-record-invalid');

    await email.fill('ada@example.com');
    await dialog.getByLabel('vip', { exact: true }).check();
    await dialog.getByRole('button', { name: 'Create record' }).click();
    await dialog.waitFor({ state: 'detached' });
    const table = page.getByRole('table', { name: 'Records of customers' });
    await table.getByRole('rowheader', { name: '1', exact: true }).waitFor();
    await table.getByRole('cell', { name: 'ada@example.com' }).waitFor();
    await page.getByRole('status').filter({ hasText: 'Record 1 created.' }).waitFor();
    const customers = stack.gateway.db(database).resource('customers');
    expect(await customers.get(1)).toMatchObject({ name: 'Ada Lovelace', email: 'ada@example.com', status: 'lead', vip: true });
    await shot(page, 'database-resources');

    // Live, in the other tab: the create, with the new record.
    await events.bringToFront();
    const timeline = events.getByRole('list', { name: 'Events' });
    const created = timeline.getByRole('article', { name: /create customers record 1/ });
    await created.waitFor();
    await created.getByRole('cell', { name: 'Ada Lovelace' }).waitFor();

    // A change made elsewhere arrives too, its changed field marked.
    await customers.update(1, { status: 'active' });
    const updated = timeline.getByRole('article', { name: /update customers record 1/ });
    await updated.waitFor();
    const changedRow = updated.locator('tr[data-change="changed"]');
    expect(await changedRow.getByRole('rowheader').textContent()).toContain('status');
    expect(await changedRow.locator('td').allTextContents()).toEqual(['was lead', 'now active']);
    await shot(events, 'database-events');

    // Reverting the create now conflicts with the update: the console names it and offers to revert anyway.
    await created.getByRole('button', { name: /^Revert event/ }).click();
    const conflict = created.getByRole('alert');
    await conflict.getByText('The record changed after this event').waitFor();
    const updateId = Number(((await updated.getAttribute('aria-labelledby')) ?? '').replace(/\D/g, ''));
    await conflict.getByRole('link', { name: `event ${updateId}` }).waitFor();
    await shot(events, 'database-events-revert-conflict');
    await conflict.getByRole('button', { name: 'Revert anyway' }).click();
    await created.getByRole('status').filter({ hasText: /Reverted as event \d+\./ }).waitFor();

    // The record is gone, and the revert is in the timeline as a delete.
    await expect(customers.get(1)).rejects.toMatchObject({ status: 404 });
    await timeline.getByRole('article', { name: /delete customers record 1/ }).waitFor();
    await page.bringToFront();
    await page.reload();
    await page.getByText('No customers records yet').waitFor();
    await events.close();
  });

  it('creates an API key limited to the database in Settings, and shows its secret once', async () => {
    await page.goto(url(`/databases/${database}/settings`));
    const keys = page.getByRole('region', { name: 'API keys' });
    await keys.getByText('No keys for this database yet').waitFor();
    await keys.getByRole('button', { name: 'New API key' }).click();
    const dialog = page.getByRole('dialog', { name: 'New API key' });
    await dialog.getByLabel('Name').fill('crm app');
    await dialog.getByLabel('Scope').selectOption('read_write');
    await dialog.getByRole('button', { name: 'Create key' }).click();

    const shown = page.getByRole('dialog', { name: 'API key created' });
    const secret = await shown.getByLabel('API key for crm app').inputValue();
    expect(secret).toMatch(/^dbf_/);
    await shown.getByRole('alert').getByText('You won’t see it again', { exact: false }).waitFor();
    await shown.getByRole('button', { name: 'Copy key' }).waitFor();
    await shot(page, 'database-settings-key-secret');
    await shown.getByRole('button', { name: 'Done' }).click();
    await shown.waitFor({ state: 'detached' });

    await keys.getByRole('rowheader', { name: 'crm app' }).waitFor();
    expect(await page.content()).not.toContain(secret);
    const listed = await stack.gateway.listKeys('default');
    expect(listed.find((k) => k.name === 'crm app')).toMatchObject({ database, scope: 'read_write' });
    // The key works, limited to this database.
    const app = new DbForgeClient({ baseUrl: stack.gatewayUrl, apiKey: secret });
    expect((await app.db(database).listResources()).resources.map((r) => r.name)).toEqual(['customers']);
    expect(await app.whoAmI()).toMatchObject({ kind: 'key', database });
  });

  it('sets a webhook for a resource’s hook, shows the generated secret once, and deletes it behind a confirmation', async () => {
    await page.goto(url(`/databases/${database}/settings`));
    const hooks = page.getByRole('region', { name: 'Webhooks' });
    // The resource names an after_create hook that has no webhook yet.
    await hooks.getByText('Hooks without a webhook (skipped): notify_sales').waitFor();
    await hooks.getByRole('button', { name: 'New webhook' }).click();
    const dialog = page.getByRole('dialog', { name: 'New webhook' });
    expect(await dialog.getByLabel('Hook').inputValue()).toBe('notify_sales');
    await dialog.getByLabel('URL').fill('ftp://hooks.example.com/x');
    await dialog.getByRole('button', { name: 'Save webhook' }).click();
    await dialog.getByText('Use an http or https URL.').waitFor();
    await dialog.getByLabel('URL').fill('https://hooks.example.com/dbforge');
    await dialog.getByRole('button', { name: 'Save webhook' }).click();

    const shown = page.getByRole('dialog', { name: 'Webhook set' });
    const secret = await shown.getByLabel('Signing secret for notify_sales').inputValue();
    expect(secret.length).toBeGreaterThanOrEqual(32);
    await shown.getByRole('button', { name: 'Copy secret' }).waitFor();
    await shot(page, 'database-settings-webhook-secret');
    await shown.getByRole('button', { name: 'Done' }).click();
    await shown.waitFor({ state: 'detached' });

    const row = hooks.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'notify_sales' }) });
    await row.getByText('https://hooks.example.com/dbforge').waitFor();
    expect(await page.content()).not.toContain(secret);
    expect((await stack.gateway.listWebhooks(database)).webhooks).toEqual([expect.objectContaining({ hook: 'notify_sales', url: 'https://hooks.example.com/dbforge' })]);
    await hooks.getByText('Hooks without a webhook').waitFor({ state: 'detached' });
    await shot(page, 'database-settings');

    await row.getByRole('button', { name: 'Delete webhook notify_sales' }).click();
    const confirm = page.getByRole('alertdialog', { name: 'Delete the webhook of notify_sales?' });
    await confirm.getByRole('button', { name: 'Delete webhook' }).click();
    await confirm.waitFor({ state: 'detached' });
    await hooks.getByText('No webhooks yet').waitFor();
    expect((await stack.gateway.listWebhooks(database)).webhooks).toEqual([]);
  });

  it('filters and edits records (only the changed field sent), links a record to its history, and applies a destructive change once confirmed', async () => {
    const customers = stack.gateway.db(database).resource('customers');
    const lin = await customers.create({ name: 'Lin Yutang', email: 'lin@example.com', status: 'lead' });
    const mae = await customers.create({ name: 'Mae Jemison', email: 'mae@example.com', status: 'active' });
    const maeId = String(mae.id);
    await page.goto(url(`/databases/${database}/resources?resource=customers`));
    const records = page.getByRole('region', { name: 'Records of customers' });
    const table = records.getByRole('table', { name: 'Records of customers' });
    await table.getByRole('cell', { name: 'lin@example.com' }).waitFor();

    // `filters: [status]` is a control with the select's options; `search_fields: [name]` a search box (q=).
    await records.getByLabel('status', { exact: true }).selectOption('active');
    await table.getByRole('cell', { name: 'lin@example.com' }).waitFor({ state: 'detached' });
    await table.getByRole('cell', { name: 'mae@example.com' }).waitFor();
    await records.getByLabel('status', { exact: true }).selectOption('');
    await records.getByLabel('Search').fill('yuta');
    await table.getByRole('cell', { name: 'mae@example.com' }).waitFor({ state: 'detached' });
    await table.getByRole('cell', { name: 'lin@example.com' }).waitFor();
    await records.getByLabel('Search').fill('');
    await table.getByRole('cell', { name: 'mae@example.com' }).waitFor();

    await table.getByRole('button', { name: `Edit record ${maeId}` }).click();
    const dialog = page.getByRole('dialog', { name: `Edit customers ${maeId}` });
    await dialog.getByLabel('name', { exact: true }).fill('Mae C. Jemison');
    const patch = page.waitForRequest((r) => r.method() === 'PATCH' && r.url().endsWith(`/resources/customers/${maeId}`));
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    expect((await patch).postDataJSON()).toEqual({ name: 'Mae C. Jemison' });
    await dialog.waitFor({ state: 'detached' });
    await records.getByRole('status').filter({ hasText: `Record ${maeId} saved.` }).waitFor();
    await table.getByRole('cell', { name: 'Mae C. Jemison' }).waitFor();
    expect(await customers.get(maeId)).toMatchObject({ name: 'Mae C. Jemison', email: 'mae@example.com', status: 'active' });

    // "History" opens the events page filtered to the record, through the URL.
    await table.getByRole('link', { name: `History of record ${maeId}` }).click();
    await page.waitForURL(url(`/databases/${database}/events?resource=customers&record=${maeId}`));
    const timeline = page.getByRole('list', { name: 'Events' });
    await timeline.getByRole('article', { name: new RegExp(`update customers record ${maeId}\\b`) }).waitFor();
    const titles = await timeline.getByRole('article').evaluateAll((items) => items.map((a) => a.querySelector('h3')?.textContent ?? ''));
    expect(titles.every((t) => t.includes(`record ${maeId}`))).toBe(true);
    expect(titles.map((t) => t.trim().split(/\s+/)[0])).toEqual(['create', 'update']);
    expect(await page.getByRole('textbox', { name: 'Record' }).inputValue()).toBe(maeId);

    // Removing a field rebuilds the table: the gateway refuses it without allow_destructive, and the console asks first.
    await page.goto(url(`/databases/${database}/resources`));
    const editor = page.getByRole('textbox', { name: 'YAML editor' });
    await editor.waitFor();
    await editor.fill(GOOD_YAML.replace('  vip:\n    type: boolean\n    default: false\n', ''));
    await page.getByRole('button', { name: 'Apply' }).click();
    const confirm = page.getByRole('alertdialog', { name: 'Apply destructive changes?' });
    await confirm.getByRole('list', { name: 'Destructive steps' }).getByText('rebuild_table').waitFor();
    expect((await stack.gateway.db(database).getSchema()).resources.map((r) => r.version)).toEqual([1]);
    await shot(page, 'database-resources-destructive');
    await confirm.getByRole('button', { name: 'Apply destructive changes' }).click();
    await confirm.waitFor({ state: 'detached' });
    await page.getByRole('status').filter({ hasText: 'Applied: customers updated (version 2).' }).waitFor();
    const [applied] = (await stack.gateway.db(database).getSchema()).resources;
    expect(applied?.version).toBe(2);
    expect(await customers.get(maeId)).not.toHaveProperty('vip');
    expect(await customers.get(String(lin.id))).toMatchObject({ name: 'Lin Yutang' });
  });

  it('shows the resources and events pages in dark mode, readable and accessible', async () => {
    const grace = await stack.gateway.db(database).resource('customers').create({ name: 'Grace Hopper', email: 'grace@example.com', status: 'active' });
    await page.goto(url(`/databases/${database}/resources`));
    await page.getByLabel('Theme').selectOption('dark');
    await page.waitForFunction(() => document.documentElement.classList.contains('dark'));
    await page.getByRole('table', { name: 'Records of customers' }).getByRole('cell', { name: 'grace@example.com' }).waitFor();
    await shot(page, 'database-resources-dark');
    await page.goto(url(`/databases/${database}/events?resource=customers`));
    await page.getByRole('list', { name: 'Events' }).getByRole('article', { name: new RegExp(`create customers record ${String(grace.id)}`) }).last().waitFor();
    await shot(page, 'database-events-dark');
    await page.getByLabel('Theme').selectOption('system');
  });
});
