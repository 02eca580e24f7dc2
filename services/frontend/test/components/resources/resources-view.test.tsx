import type { WhoAmI } from '@dbforge/contracts';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ResourcesView } from '@/components/resources/resources-view';
import { resourceKeys } from '@/data/resources/keys';
import { envelope, fakeGateway, sampleDatabase, testQueryClient, withClient, type FakeCall } from '../../support/fake-console';
import { customers, resourceSchema, schemaReply } from '../../support/resources';

vi.mock('next/navigation', () => ({ useSearchParams: () => new URLSearchParams() }));
afterEach(() => vi.unstubAllGlobals());

const admin: WhoAmI = { kind: 'admin', id: 'admin', platform_admin: true, tenants: [] };
const viewer: WhoAmI = { kind: 'user', id: 'u1', email: 'v@acme.example', platform_admin: false, tenants: [{ id: 'acme', role: 'viewer' }] };
const createTable = { action: 'create_table', resource: 'customers', destructive: false, detail: "creates the table 'customers'", sql: ['CREATE TABLE "customers" (…)'] };
const rebuild = { action: 'rebuild_table', resource: 'customers', field: 'tier', destructive: true, detail: "removes the column 'tier'", sql: [] };

function gateway(who: WhoAmI, put: (call: FakeCall) => { status: number; body?: unknown }, resources = schemaReply([])) {
  return fakeGateway({
    'GET /auth/me': () => ({ status: 200, body: who }),
    'GET /admin/databases/crm': () => ({ status: 200, body: { ...sampleDatabase, name: 'crm', tenant: 'acme' } }),
    'GET /api/db/crm/schema': () => ({ status: 200, body: resources }),
    'GET /api/db/crm/resources/customers': () => ({ status: 200, body: { data: [], has_more: false, next_cursor: null, total: 0 } }),
    'PUT /api/db/crm/schema': put,
  });
}

function show() {
  const Wrapper = withClient(testQueryClient());
  const utils = render(
    <Wrapper>
      <ResourcesView database="crm" />
    </Wrapper>,
  );
  return { ...utils, user: userEvent.setup() };
}

describe('the resources page', () => {
  it('loads the applied resources into the editor, checks the text with a dry run and shows the plan', async () => {
    const gw = gateway(admin, () => ({ status: 200, body: { dry_run: true, resources: [{ name: 'customers', version: 2, status: 'updated' }], plan: [createTable], warnings: [] } }), schemaReply([resourceSchema(customers, 'resource: customers\nfields: {}\n')]));
    const { user } = show();
    const editor = await screen.findByRole('textbox', { name: 'YAML editor' });
    expect(editor).toHaveTextContent('resource: customers');
    await user.click(await screen.findByRole('button', { name: 'Check' }));
    const steps = await screen.findByRole('list', { name: 'Planned steps' });
    expect(within(steps).getByText('create_table')).toBeInTheDocument();
    expect(screen.getByText('Checked: 1 step. Nothing was applied.')).toBeInTheDocument();
    expect(gw.calls.find((c) => c.method === 'PUT')).toEqual({ method: 'PUT', path: '/api/db/crm/schema?dry_run=true', body: 'resource: customers\nfields: {}\n', contentType: 'application/yaml' });
    // The records of the resource are browsed below.
    expect(await screen.findByText('No customers records yet')).toBeInTheDocument();
  });

  it('lists a refused config’s problems with their place, and marks them in the editor', async () => {
    gateway(admin, () =>
      envelope(422, 'VALIDATION_ERROR', 'Invalid schema: 1 problem, the first at line 2, column 7: …', [
        { field: 'customers.fields', message: 'must be a map of fields', document: 0, line: 2, column: 9 },
      ]),
    );
    const { user, container } = show();
    const editor = await screen.findByRole('textbox', { name: 'YAML editor' });
    await user.click(editor);
    await user.keyboard('resource: customers{Enter}fields: nope');
    await user.click(screen.getByRole('button', { name: 'Check' }));
    const problems = await screen.findByRole('list', { name: 'Problems' });
    expect(within(problems).getByRole('button', { name: 'Line 2, column 9' })).toBeInTheDocument();
    expect(problems).toHaveTextContent('customers.fields must be a map of fields');
    expect(screen.getByRole('alert')).toHaveTextContent('The config has 1 problem; nothing was applied.');
    await waitFor(() => expect([...container.querySelectorAll('.cm-lintRange-error')].map((e) => e.textContent)).toEqual(['nope']));
  });

  it('asks before destructive steps, listing them, and then applies with allow_destructive', async () => {
    const gw = gateway(admin, (call) =>
      call.path.includes('allow_destructive=true')
        ? { status: 200, body: { dry_run: false, resources: [{ name: 'customers', version: 3, status: 'updated' }], plan: [rebuild], warnings: [] } }
        : envelope(409, 'CONFLICT', 'The migration is destructive (customers: removes the column tier): nothing was applied.', { destructive_steps: [rebuild] }),
    );
    const { user } = show();
    await user.click(await screen.findByRole('textbox', { name: 'YAML editor' }));
    await user.keyboard('resource: customers');
    await user.click(screen.getByRole('button', { name: 'Apply' }));
    const confirm = await screen.findByRole('alertdialog', { name: 'Apply destructive changes?' });
    const steps = within(confirm).getByRole('list', { name: 'Destructive steps' });
    expect(steps).toHaveTextContent("removes the column 'tier'");
    expect(within(steps).getByText('Destructive')).toBeInTheDocument();
    expect(gw.calls.filter((c) => c.method === 'PUT').map((c) => c.path)).toEqual(['/api/db/crm/schema']);
    await user.click(within(confirm).getByRole('button', { name: 'Apply destructive changes' }));
    await waitFor(() => expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument());
    expect(gw.calls.filter((c) => c.method === 'PUT').map((c) => c.path)).toEqual(['/api/db/crm/schema', '/api/db/crm/schema?allow_destructive=true']);
    expect(await screen.findByText('Applied: customers updated (version 3).')).toBeInTheDocument();
  });

  it('offers a viewer no Check, Apply or New record, and says why', async () => {
    gateway(viewer, () => ({ status: 403 }), schemaReply([resourceSchema(customers)]));
    show();
    await screen.findByText('Your role can read the resources, not change them.');
    expect(screen.queryByRole('button', { name: 'Check' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Apply' })).not.toBeInTheDocument();
    await screen.findByText('No customers records yet');
    expect(screen.queryByRole('button', { name: 'New record' })).not.toBeInTheDocument();
  });

  it('keeps the editor and the text being written when a refresh of the resources fails', async () => {
    let failing = false;
    fakeGateway({
      'GET /auth/me': () => ({ status: 200, body: admin }),
      'GET /admin/databases/crm': () => ({ status: 200, body: { ...sampleDatabase, name: 'crm', tenant: 'acme' } }),
      'GET /api/db/crm/schema': () => (failing ? envelope(503, 'WORKER_UNAVAILABLE', 'The database worker is not available.') : { status: 200, body: schemaReply([]) }),
      'GET /api/db/crm/resources/customers': () => ({ status: 200, body: { data: [], has_more: false, next_cursor: null, total: 0 } }),
    });
    const client = testQueryClient();
    const Wrapper = withClient(client);
    render(
      <Wrapper>
        <ResourcesView database="crm" />
      </Wrapper>,
    );
    const user = userEvent.setup();
    await user.click(await screen.findByRole('textbox', { name: 'YAML editor' }));
    await user.keyboard('resource: drafts');
    failing = true;
    await client.refetchQueries({ queryKey: resourceKeys.schema('crm') });
    expect(await screen.findByRole('alert')).toHaveTextContent('The database worker is not available.');
    expect(screen.getByRole('textbox', { name: 'YAML editor' })).toHaveTextContent('resource: drafts');
  });

  it('shows the gateway’s refusal to load the resources in its words', async () => {
    fakeGateway({
      'GET /auth/me': () => ({ status: 200, body: admin }),
      'GET /admin/databases/crm': () => ({ status: 200, body: { ...sampleDatabase, name: 'crm', tenant: 'acme' } }),
      'GET /api/db/crm/schema': () => envelope(404, 'NOT_FOUND', 'Database not found.'),
    });
    show();
    expect(await screen.findByRole('alert')).toHaveTextContent('Database not found.');
  });
});
