import fs from 'node:fs';
import { DbForgeClient } from '@dbforge/client';
import type { BrowserContext, Page, Response } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually, shot } from './support/page-checks';
import { SessionCookies } from './support/session-cookie';
import { CHROMIUM_PATH, SCREENSHOTS_DIR, launchBrowser, removeTempDirs, startStack, uniqueName, type Stack } from './support/stack';

const hasChromium = fs.existsSync(CHROMIUM_PATH);
const inCi = process.env.CI === 'true';
const provision = 'Install it with: bash .ci/provision-chromium.sh (Debian package "chromium").';

if (!hasChromium && !inCi) {
  console.warn(`\n[console tenancy browser tests] SKIPPED: ${CHROMIUM_PATH} is missing. ${provision}\n`);
}

/** A short access-token lifetime, still above the console's refresh margin (10 s): the expiry test waits it out. */
const ACCESS_TOKEN_TTL_SECONDS = 60;

describe.skipIf(!hasChromium && !inCi)('email sign-in and tenants in Chromium, against the production build and a real gateway', () => {
  let stack: Stack;
  let admin: DbForgeClient;
  let cookies: SessionCookies;
  /** The owner's browser, through most scenarios. */
  let context: BrowserContext;
  let page: Page;
  /** A second browser, signed in at the start and left alone until its access token has expired. */
  let idle: BrowserContext;
  let idleSignedInAt = 0;

  const tenant = uniqueName('acme');
  const otherTenant = uniqueName('other');
  const tenantDb = uniqueName('orders');
  const otherDb = uniqueName('secret');
  const defaultDb = uniqueName('platform');
  const owner = { email: `owner@${tenant}.example.com`, password: 'owner passphrase 1' };
  const viewer = { email: `viewer@${tenant}.example.com`, password: 'viewer passphrase 1' };
  const sleeper = { email: `sleeper@${tenant}.example.com`, password: 'sleeper passphrase 1' };

  /** Every reply of the console to a browser, and every token the sessions held, for the leak check. */
  const replies: { url: string; body: string }[] = [];
  const tokens = new Set<string>();
  const record = async (response: Response) => {
    if (!response.url().startsWith(stack.consoleUrl)) return;
    try {
      replies.push({ url: response.url(), body: (await response.body()).toString('utf8') });
    } catch {
      // Redirects have no body to read.
    }
  };
  async function collectTokens(ctx: BrowserContext): Promise<void> {
    const data = await cookies.read(ctx);
    if (data?.user) {
      tokens.add(data.user.accessToken);
      tokens.add(data.user.refreshToken);
    }
  }

  const url = (p: string) => `${stack.consoleUrl}${p}`;

  async function signIn(target: Page, who: { email: string; password: string }): Promise<void> {
    await target.goto(url('/sign-in'));
    await target.getByLabel('Email').fill(who.email);
    await target.getByLabel('Password').fill(who.password);
    await target.getByRole('button', { name: 'Sign in' }).click();
    await target.waitForURL(url('/databases'));
  }

  async function newPage(ctx: BrowserContext): Promise<Page> {
    const p = ctx.pages()[0] ?? (await ctx.newPage());
    p.on('response', record);
    return p;
  }

  beforeAll(async () => {
    if (!hasChromium) {
      throw new Error(`Chromium is missing at ${CHROMIUM_PATH} and CI=true: the browser tests must run, not skip. ${provision}`);
    }
    fs.mkdirSync(SCREENSHOTS_DIR, { recursive: true });
    stack = await startStack({ gatewayEnv: { DBFORGE_ACCESS_TOKEN_TTL_SECONDS: String(ACCESS_TOKEN_TTL_SECONDS) } });
    admin = stack.gateway;
    cookies = new SessionCookies(stack.consoleUrl, stack.consoleSecretsDir);

    // Arranged through the SDK with the admin key: two tenants, members with passwords, a database in each tenant
    // and one in the default tenant.
    await admin.createTenant({ id: tenant, name: 'Acme Corp' });
    await admin.createTenant({ id: otherTenant, name: 'Other Inc' });
    await admin.putMember(tenant, { ...owner, role: 'owner' });
    await admin.putMember(tenant, { ...viewer, role: 'viewer' });
    await admin.putMember(tenant, { ...sleeper, role: 'developer' });
    await admin.spawnDatabase(tenantDb, { tenant });
    await admin.spawnDatabase(otherDb, { tenant: otherTenant });
    await admin.spawnDatabase(defaultDb);

    idle = await launchBrowser();
    const idlePage = await newPage(idle);
    await signIn(idlePage, sleeper);
    idleSignedInAt = Date.now();
    await collectTokens(idle);

    context = await launchBrowser();
    page = await newPage(context);
  });

  afterEach(async () => {
    if (context) await collectTokens(context);
  });

  afterAll(async () => {
    await context?.close();
    await idle?.close();
    await stack?.stop();
    removeTempDirs();
  });

  it('signs in with email and password, says who is signed in, and lists only the tenant’s databases', async () => {
    await page.goto(url('/tenants'));
    await page.waitForURL(url('/sign-in'));
    await page.getByRole('tab', { name: 'Email', selected: true }).waitFor();

    await page.getByLabel('Email').fill(owner.email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Invalid email or password.' }).waitFor();
    expect(await cookies.raw(context)).toBeUndefined();
    await shot(page, 'sign-in-email-refused');

    await page.getByLabel('Password').fill(owner.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(url('/databases'));
    await page.getByRole('banner').getByText(`Signed in as ${owner.email}`).waitFor();

    await page.getByRole('link', { name: tenantDb, exact: true }).waitFor();
    expect(await page.getByRole('link', { name: otherDb }).count()).toBe(0);
    expect(await page.getByRole('link', { name: defaultDb }).count()).toBe(0);
    // A member of one tenant is not asked which tenant: no column, no choice in the dialog.
    expect(await page.getByRole('columnheader', { name: 'Tenant' }).count()).toBe(0);
    await shot(page, 'databases-as-owner');

    const session = await cookies.read(context);
    expect(session?.user?.email).toBe(owner.email);
    expect(session?.apiKey).toBeUndefined();
  });

  it('passes a throttled sign-in on as the gateway answered it: 429, its Retry-After and its words', async () => {
    const throttled = await page.evaluate(async () => {
      for (let attempt = 0; attempt < 10; attempt++) {
        const reply = await fetch('/api/session', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: 'nobody@example.com', password: 'wrong guess' }),
        });
        if (reply.status === 429) return { retryAfter: reply.headers.get('retry-after'), body: await reply.json() };
      }
      return null;
    });
    expect(throttled).not.toBeNull();
    expect(Number(throttled!.retryAfter)).toBeGreaterThan(0);
    expect(throttled!.body).toMatchObject({ error: { code: 'RATE_LIMITED' } });
  });

  it('creates an API key, shows its secret once, and revokes it after a confirmation', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Tenants' }).click();
    await page.getByRole('heading', { name: 'Tenants', level: 1 }).waitFor();
    await page.getByRole('link', { name: tenant, exact: true }).waitFor();
    expect(await page.getByRole('link', { name: otherTenant }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'New tenant' }).count()).toBe(0);
    await shot(page, 'tenants-as-owner');

    await page.getByRole('link', { name: tenant, exact: true }).click();
    await page.getByRole('heading', { name: 'Acme Corp', level: 1 }).waitFor();
    const quotas = page.getByRole('region', { name: 'Quotas' });
    await quotas.getByText('Only the platform admin changes quotas.').waitFor();
    expect(await quotas.getByRole('spinbutton').count()).toBe(0);
    const members = page.getByRole('region', { name: 'Members' });
    await members.getByRole('rowheader', { name: `${owner.email} (you)` }).waitFor();

    const keys = page.getByRole('region', { name: 'API keys' });
    await keys.getByText('No API keys yet').waitFor();
    await keys.getByRole('button', { name: 'New API key' }).click();
    const dialog = page.getByRole('dialog', { name: 'New API key' });
    await dialog.getByLabel('Name').fill('reporting');
    await dialog.getByLabel('Scope').selectOption('read_write');
    await dialog.getByLabel('Database').selectOption(tenantDb);
    // Only the tenant's own databases are offered.
    expect(await dialog.getByRole('option', { name: otherDb }).count()).toBe(0);
    await shot(page, 'tenant-new-key');
    await dialog.getByRole('button', { name: 'Create key' }).click();

    const created = page.getByRole('dialog', { name: 'API key created' });
    await created.getByText('You won’t see it again').waitFor();
    const secret = await created.getByLabel('API key for reporting').inputValue();
    expect(secret.length).toBeGreaterThan(20);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: stack.consoleUrl });
    await created.getByRole('button', { name: 'Copy key' }).click();
    await created.getByRole('status').filter({ hasText: /Copied to the clipboard|press Ctrl\+C/ }).waitFor();
    await shot(page, 'tenant-key-secret');

    // The secret works, for its database only.
    const app = new DbForgeClient({ baseUrl: stack.gatewayUrl, apiKey: secret });
    expect(await app.db(tenantDb).select('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    expect((await app.raw('POST', `/api/db/${otherDb}/query`, { body: { sql: 'SELECT 1' } })).status).toBe(404);

    await created.getByRole('button', { name: 'Done' }).click();
    await created.waitFor({ state: 'detached' });
    const row = keys.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'reporting' }) });
    await row.getByText('Active').waitFor();
    for (const text of ['Read and write', tenantDb]) await row.getByRole('cell', { name: text, exact: true }).waitFor();
    const listed = (await admin.listKeys(tenant)).find((k) => k.name === 'reporting')!;
    await row.getByText(listed.prefix).waitFor();
    expect(await page.content()).not.toContain(secret);

    // Shown once: a reload fetches the list again, which carries no secret, and no dialog comes back.
    await page.reload();
    await keys.getByRole('rowheader', { name: 'reporting' }).waitFor();
    expect(await page.getByRole('dialog').count()).toBe(0);
    expect(await page.content()).not.toContain(secret);
    await shot(page, 'tenant-as-owner');

    await keys.getByRole('button', { name: 'Revoke reporting' }).click();
    const confirm = page.getByRole('alertdialog', { name: 'Revoke reporting?' });
    await confirm.getByRole('button', { name: 'Revoke key' }).click();
    await confirm.waitFor({ state: 'detached' });
    await row.getByText('Revoked').waitFor();
    expect(await row.getByRole('button', { name: /Revoke/ }).count()).toBe(0);
    expect((await app.raw('POST', `/api/db/${tenantDb}/query`, { body: { sql: 'SELECT 1' } })).status).toBe(401);
  });

  it('lets an owner add an existing account, change their role and remove them, and shows the gateway’s refusals', async () => {
    await page.goto(url(`/tenants/${tenant}`));
    const members = page.getByRole('region', { name: 'Members' });
    const add = members.getByRole('form', { name: 'Add member' });
    const newcomer = { email: `new@${tenant}.example.com`, password: 'newcomer passphrase' };
    // Owners add accounts; only the platform admin creates them (and sets their first password).
    expect(await add.getByLabel('Password (optional)').count()).toBe(0);

    // No such account: the gateway says who creates it.
    await add.getByLabel('Email').fill(newcomer.email);
    await add.getByRole('button', { name: 'Add member' }).click();
    await add.getByRole('alert').filter({ hasText: 'the platform admin creates it' }).waitFor();

    await admin.createUser({ email: newcomer.email, password: newcomer.password });
    await add.getByLabel('Role').selectOption('viewer');
    await add.getByRole('button', { name: 'Add member' }).click();
    await members.getByRole('status').filter({ hasText: `${newcomer.email} added as viewer.` }).waitFor();
    await members.getByRole('rowheader', { name: newcomer.email }).waitFor();
    // The account signs in with its own password.
    expect((await new DbForgeClient({ baseUrl: stack.gatewayUrl }).login(newcomer.email, newcomer.password)).token_type).toBe('Bearer');

    await members.getByLabel(`Role of ${newcomer.email}`).selectOption('developer');
    await members.getByRole('status').filter({ hasText: `${newcomer.email} is now developer.` }).waitFor();
    expect((await admin.listMembers(tenant)).find((m) => m.email === newcomer.email)?.role).toBe('developer');

    // The last owner can't step down: the console shows the gateway's words and keeps the role.
    await members.getByLabel(`Role of ${owner.email}`).selectOption('viewer');
    await members.getByRole('alert').filter({ hasText: 'last owner' }).waitFor();
    expect(await members.getByLabel(`Role of ${owner.email}`).inputValue()).toBe('owner');
    await shot(page, 'tenant-members-refused');

    await members.getByRole('button', { name: `Remove ${newcomer.email}` }).click();
    const confirm = page.getByRole('alertdialog', { name: `Remove ${newcomer.email}?` });
    await confirm.getByRole('button', { name: 'Remove member' }).click();
    await confirm.waitFor({ state: 'detached' });
    await members.getByRole('rowheader', { name: newcomer.email }).waitFor({ state: 'detached' });
    expect((await admin.listMembers(tenant)).some((m) => m.email === newcomer.email)).toBe(false);
  });

  it('refreshes a refused access token once and retries, without the browser noticing', async () => {
    const before = (await cookies.read(context))!;
    // An access token the gateway refuses (its signature broken), though the console thinks it still has minutes.
    const signature = before.user!.accessToken.slice(-4);
    const broken = `${before.user!.accessToken.slice(0, -4)}${signature === 'AAAA' ? 'BBBB' : 'AAAA'}`;
    await cookies.write(context, { ...before, user: { ...before.user!, accessToken: broken, accessExpiresAt: Date.now() + 300_000 } });

    await page.goto(url('/databases'));
    await page.getByRole('link', { name: tenantDb, exact: true }).waitFor();
    const after = (await cookies.read(context))!;
    expect(after.user!.accessToken).not.toBe(broken);
    expect(after.user!.refreshToken).not.toBe(before.user!.refreshToken);
    // The session ends where it did: a refresh renews the tokens, not the session.
    expect(after.signedInAt).toBe(before.signedInAt);
    // Each refresh token works once: the one the console exchanged is spent.
    const anonymous = new DbForgeClient({ baseUrl: stack.gatewayUrl });
    await expect(anonymous.refreshTokens(before.user!.refreshToken)).rejects.toMatchObject({ status: 401 });
    expect((await anonymous.withAccessToken(after.user!.accessToken).whoAmI()).email).toBe(owner.email);
  });

  it('shows a viewer the tenant read-only: no member, key, database or prune controls', async () => {
    const viewerContext = await launchBrowser();
    try {
      const viewerPage = await newPage(viewerContext);
      await signIn(viewerPage, viewer);
      await viewerPage.getByRole('link', { name: tenantDb, exact: true }).waitFor();
      // Until the console knows who is signed in it keeps its controls (the gateway refuses what it must): they go once
      // it knows, which may be after the list has come.
      await viewerPage.getByRole('button', { name: 'New database' }).waitFor({ state: 'detached' });
      await viewerPage.getByRole('button', { name: /^Prune/ }).first().waitFor({ state: 'detached' });
      expect(await viewerPage.getByRole('button', { name: 'New database' }).count()).toBe(0);
      expect(await viewerPage.getByRole('button', { name: /^Prune/ }).count()).toBe(0);

      await viewerPage.goto(url(`/tenants/${tenant}`));
      const members = viewerPage.getByRole('region', { name: 'Members' });
      await members.getByText('Only the tenant’s owners add, change and remove members.').waitFor();
      await members.getByRole('rowheader', { name: `${viewer.email} (you)` }).waitFor();
      expect(await members.getByRole('combobox').count()).toBe(0);
      expect(await members.getByRole('button').count()).toBe(0);
      const keys = viewerPage.getByRole('region', { name: 'API keys' });
      await keys.getByText('Only the tenant’s owners see and manage its API keys.').waitFor();
      expect(await keys.getByRole('button').count()).toBe(0);
      await viewerPage.getByText('You: Viewer').waitFor();
      await shot(viewerPage, 'tenant-as-viewer');
      await collectTokens(viewerContext);
    } finally {
      await viewerContext.close();
    }
  });

  it('lets the platform admin create a tenant, set its quotas and put a new database in it', async () => {
    const adminContext = await launchBrowser();
    try {
      const adminPage = await newPage(adminContext);
      await adminPage.goto(url('/sign-in?method=api-key'));
      await adminPage.getByLabel('API key').fill(stack.apiKey);
      await adminPage.getByRole('button', { name: 'Sign in' }).click();
      await adminPage.waitForURL(url('/databases'));
      // The platform admin sees every tenant's databases, and which tenant owns each.
      for (const name of [tenantDb, otherDb, defaultDb]) await adminPage.getByRole('link', { name, exact: true }).waitFor();
      const otherRow = adminPage.getByRole('row').filter({ has: adminPage.getByRole('rowheader', { name: otherDb }) });
      await otherRow.getByRole('link', { name: otherTenant }).waitFor();

      await adminPage.goto(url('/tenants'));
      await adminPage.getByRole('button', { name: 'New tenant' }).click();
      const dialog = adminPage.getByRole('dialog', { name: 'New tenant' });
      const name = `Globex ${uniqueName('x')}`;
      await dialog.getByLabel('Name', { exact: true }).fill(name);
      const id = await dialog.getByLabel('ID').inputValue();
      expect(id).toBe(name.toLowerCase().replace(/ /g, '-'));
      await dialog.getByLabel('ID').fill('acme corp');
      await dialog.getByText('Use only lower-case letters, digits and “-” (no spaces).').waitFor();
      await dialog.getByLabel('ID').fill(id);
      await dialog.getByLabel('Max databases').fill('5');
      await shot(adminPage, 'tenants-new-dialog');
      await dialog.getByRole('button', { name: 'Create tenant' }).click();
      await adminPage.waitForURL(url(`/tenants/${id}`));
      expect((await admin.getTenant(id)).quotas.max_databases).toBe(5);

      const quotas = adminPage.getByRole('region', { name: 'Quotas' });
      await quotas.getByLabel('Max database size').fill('256');
      await quotas.getByLabel('Size unit').selectOption('MiB');
      await quotas.getByText('256 MiB per database').waitFor();
      await quotas.getByLabel('Requests per second').fill('50');
      await quotas.getByRole('button', { name: 'Save quotas' }).click();
      await quotas.getByRole('status').filter({ hasText: 'Quotas saved.' }).waitFor();
      expect((await admin.getTenant(id)).quotas).toEqual({ max_databases: 5, max_database_bytes: 256 * 1024 * 1024, requests_per_second: 50 });
      await shot(adminPage, 'tenant-as-platform-admin');

      // A new database goes to the tenant chosen in the dialog.
      await adminPage.goto(url('/databases'));
      await adminPage.getByRole('columnheader', { name: 'Tenant' }).waitFor();
      const db = uniqueName('globex');
      await adminPage.getByRole('button', { name: 'New database' }).click();
      const create = adminPage.getByRole('dialog', { name: 'New database' });
      // The platform admin's databases go to the default tenant unless another is chosen, as at the gateway.
      await eventually(async () => expect(await create.getByLabel('Tenant').inputValue()).toBe('default'));
      await create.getByLabel('Name').fill(db);
      await create.getByLabel('Tenant').selectOption(id);
      await create.getByRole('button', { name: 'Create' }).click();
      await create.waitFor({ state: 'detached' });
      const row = adminPage.getByRole('row').filter({ has: adminPage.getByRole('rowheader', { name: db }) });
      await row.getByRole('link', { name: id }).waitFor();
      expect((await admin.getDatabase(db)).tenant).toBe(id);

      // A tenant that owns a database can't be deleted: the gateway's refusal is shown in the dialog.
      await adminPage.goto(url(`/tenants/${id}`));
      await adminPage.getByRole('button', { name: 'Delete tenant…' }).click();
      const confirm = adminPage.getByRole('alertdialog', { name: `Delete ${id}?` });
      await confirm.getByRole('button', { name: 'Delete tenant' }).click();
      await confirm.getByRole('alert').filter({ hasText: 'prune them first' }).waitFor();
      await adminPage.keyboard.press('Escape');
    } finally {
      await adminContext.close();
    }
  });

  it('refreshes an expired access token transparently, for every request of a page at once', async () => {
    const before = (await cookies.read(idle))!;
    // Wait out the access token's lifetime (the gateway's shortest), counted from the sign-in in beforeAll.
    const wait = idleSignedInAt + ACCESS_TOKEN_TTL_SECONDS * 1000 + 1_000 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const anonymous = new DbForgeClient({ baseUrl: stack.gatewayUrl });
    // The gateway itself now refuses the old access token.
    await expect(anonymous.withAccessToken(before.user!.accessToken).whoAmI()).rejects.toMatchObject({ status: 401 });

    const idlePage = idle.pages()[0]!;
    await idlePage.goto(url(`/tenants/${tenant}`));
    await idlePage.getByRole('region', { name: 'Members' }).getByRole('rowheader', { name: `${sleeper.email} (you)` }).waitFor();
    await idlePage.getByText('You: Developer').waitFor();
    expect(idlePage.url()).toBe(url(`/tenants/${tenant}`));
    const after = (await cookies.read(idle))!;
    expect(after.user!.accessToken).not.toBe(before.user!.accessToken);
    expect(after.user!.accessExpiresAt).toBeGreaterThan(Date.now());
    expect((await anonymous.withAccessToken(after.user!.accessToken).whoAmI()).email).toBe(sleeper.email);
    await collectTokens(idle);
  }, ACCESS_TOKEN_TTL_SECONDS * 1000 + 60_000);

  it('never lets a token reach the browser: not in a script, a page, a reply, storage or a readable cookie', async () => {
    expect(tokens.size).toBeGreaterThanOrEqual(6);
    await page.goto(url('/databases'));
    await page.getByRole('link', { name: tenantDb, exact: true }).waitFor();
    await collectTokens(context);

    const cookie = (await cookies.raw(context))!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(await page.evaluate(() => document.cookie)).not.toContain('dbforge_console');
    const html = await page.content();
    const storage = await page.evaluate(() => JSON.stringify({ ...window.localStorage, ...window.sessionStorage }));
    const scripts: string[] = await page.evaluate(async () =>
      Promise.all([...document.scripts].map(async (s) => (s.src ? await (await fetch(s.src)).text() : s.text))),
    );
    expect(scripts.length).toBeGreaterThan(0);
    const jsonReplies = replies.filter((r) => r.body.trimStart().startsWith('{') || r.body.trimStart().startsWith('['));
    expect(jsonReplies.length).toBeGreaterThan(10);
    const texts: [string, string][] = [
      ['the page HTML', html],
      ['localStorage and sessionStorage', storage],
      ['the cookie value', cookie.value],
      ...scripts.map((s, i): [string, string] => [`script ${i}`, s]),
      ...replies.map((r): [string, string] => [`the reply of ${r.url}`, r.body]),
    ];
    for (const token of tokens) {
      // A fragment is enough to tell: the signature of an access token, the random part of a refresh token.
      const fragment = token.slice(-24);
      for (const [where, text] of texts) expect(text.includes(fragment), `a token appears in ${where}`).toBe(false);
    }
    for (const [where, text] of texts) expect(text.includes(stack.gatewayUrl), `the gateway URL appears in ${where}`).toBe(false);
  });

  it('signs out: the refresh token is revoked, the cookie cleared, and pages ask to sign in again', async () => {
    await page.goto(url('/tenants'));
    const refreshToken = (await cookies.read(context))!.user!.refreshToken;
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(url('/sign-in'));
    expect(await cookies.raw(context)).toBeUndefined();

    await page.goto(url(`/tenants/${tenant}`));
    await page.waitForURL(url('/sign-in'));
    expect(await page.evaluate(async () => (await fetch('/api/gateway/auth/me')).status)).toBe(401);
    await expect(new DbForgeClient({ baseUrl: stack.gatewayUrl }).refreshTokens(refreshToken)).rejects.toMatchObject({ status: 401 });
  });

  it('ends the session and asks to sign in when the refresh token is refused', async () => {
    await eventually(async () => expect(await cookies.read(idle)).toBeDefined());
    const session = (await cookies.read(idle))!;
    // Spend the refresh token behind the console's back, then make the access token look expired.
    await new DbForgeClient({ baseUrl: stack.gatewayUrl }).logout(session.user!.refreshToken);
    await cookies.write(idle, { ...session, user: { ...session.user!, accessExpiresAt: Date.now() - 1_000 } });
    const idlePage = idle.pages()[0]!;
    await idlePage.goto(url('/databases'));
    await idlePage.waitForURL(url('/sign-in'));
    expect(await cookies.raw(idle)).toBeUndefined();
  });
});
