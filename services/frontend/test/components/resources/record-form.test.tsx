import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RecordForm } from '@/components/resources/record-form';
import { Dialog, DialogContent } from '@/components/ui/dialog';
import type { ResourceRecord } from '@/data/resources/records';
import { envelope, fakeGateway, testQueryClient, withClient, type FakeCall } from '../../support/fake-console';
import { companies, customers, resourceSchema } from '../../support/resources';

afterEach(() => vi.unstubAllGlobals());

const resources = [resourceSchema(customers), resourceSchema(companies)];
/** What the form sent, leaving out the suggestions it fetched for references. */
const writes = (calls: FakeCall[]) => calls.filter((c) => c.method !== 'GET');

function gateway(save: (call: FakeCall) => { status: number; body?: unknown }) {
  return fakeGateway({
    'POST /api/db/crm/resources/customers': save,
    'PATCH /api/db/crm/resources/customers/3': save,
    'GET /api/db/crm/resources/companies': () => ({ status: 200, body: { data: [{ id: 7, name: 'Acme' }], has_more: false, next_cursor: null } }),
  });
}

function show(record?: ResourceRecord) {
  const onSaved = vi.fn();
  const Wrapper = withClient(testQueryClient());
  render(
    <Wrapper>
      <Dialog open>
        <DialogContent title="Record">
          <RecordForm database="crm" resource={resources[0]!} resources={resources} {...(record ? { record } : {})} onSaved={onSaved} />
        </DialogContent>
      </Dialog>
    </Wrapper>,
  );
  return { user: userEvent.setup(), onSaved };
}

describe('a form generated from the field types', () => {
  it('labels every control with its field’s name and draws each type with its own control', async () => {
    gateway(() => ({ status: 201 }));
    show();
    const control = (name: string) => screen.getByLabelText(name, { exact: true });
    expect(control('name')).toHaveAttribute('type', 'text');
    expect(control('name')).toHaveAttribute('maxlength', '100');
    expect(control('email')).toHaveAttribute('type', 'email');
    expect(control('notes').tagName).toBe('TEXTAREA');
    expect(control('credit_limit')).toHaveAttribute('inputmode', 'decimal');
    expect(control('credit_limit')).toHaveValue('1000');
    expect(control('visits')).toHaveAttribute('inputmode', 'numeric');
    expect(control('vip')).toHaveAttribute('type', 'checkbox');
    expect(control('vip')).not.toBeChecked();
    expect(within(control('status')).getAllByRole('option').map((o) => o.textContent)).toEqual(['—', 'lead', 'active', 'churned']);
    expect(control('status')).toHaveValue('lead');
    expect(control('birthday')).toHaveAttribute('type', 'date');
    expect(control('last_seen')).toHaveAttribute('type', 'datetime-local');
    expect(control('website')).toHaveAttribute('type', 'url');
    expect(control('profile').tagName).toBe('TEXTAREA');
    expect(control('secret')).toHaveAttribute('type', 'password');
    expect(control('company')).toHaveAttribute('list');
    // Set by the server: not asked for.
    expect(screen.queryByLabelText('id', { exact: true })).not.toBeInTheDocument();
    expect(screen.queryByLabelText('created_at', { exact: true })).not.toBeInTheDocument();
    // Required fields say so to assistive technology; constraints are in the description.
    expect(control('name')).toHaveAttribute('aria-required', 'true');
    expect(control('notes')).not.toHaveAttribute('aria-required');
    expect(control('name')).toHaveAccessibleDescription('Full name · at most 100 characters');
    expect(control('visits')).toHaveAccessibleDescription('from 0 to 1000');
    // References suggest the target's records.
    await waitFor(() => expect(document.querySelector(`#${CSS.escape(control('company').getAttribute('list')!)} option[value="7"]`)).not.toBeNull());
  });

  it('creates with the values converted to the field types, and shows the API’s messages at their fields', async () => {
    const gw = gateway(() =>
      envelope(422, 'VALIDATION_ERROR', 'Validation failed: 2 problems', [
        { field: 'body.email', message: 'must be an email address' },
        { field: 'body.code', message: 'must match ^[A-Z]{3}$' },
      ]),
    );
    const { user, onSaved } = show();
    await user.type(screen.getByLabelText('name', { exact: true }), 'Ada');
    await user.type(screen.getByLabelText('email', { exact: true }), 'ada-at-example');
    await user.type(screen.getByLabelText('visits', { exact: true }), '3');
    await user.click(screen.getByLabelText('vip', { exact: true }));
    await user.type(screen.getByLabelText('code', { exact: true }), 'abc');
    await user.type(screen.getByLabelText('company', { exact: true }), '7');
    await user.click(screen.getByRole('button', { name: 'Create record' }));

    expect(await screen.findByLabelText('email', { exact: true })).toHaveAccessibleDescription(expect.stringContaining('must be an email address'));
    expect(screen.getByLabelText('email', { exact: true })).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByLabelText('code', { exact: true })).toHaveAccessibleDescription(expect.stringContaining('must match ^[A-Z]{3}$'));
    expect(screen.getByLabelText('name', { exact: true })).not.toHaveAttribute('aria-invalid');
    expect(gw.calls.find((c) => c.method === 'POST')!.body).toEqual({
      name: 'Ada',
      email: 'ada-at-example',
      credit_limit: 1000,
      visits: 3,
      vip: true,
      status: 'lead',
      code: 'abc',
      company: 7,
    });
    expect(onSaved).not.toHaveBeenCalled();
  });

  it('refuses what it can’t send without asking the API: an empty required field, a number or JSON that does not parse', async () => {
    const gw = gateway(() => ({ status: 201 }));
    const { user } = show();
    await user.type(screen.getByLabelText('visits', { exact: true }), 'three');
    await user.type(screen.getByLabelText('profile', { exact: true }), '{{oops');
    await user.click(screen.getByRole('button', { name: 'Create record' }));
    expect(screen.getByLabelText('name', { exact: true })).toHaveAccessibleDescription(expect.stringContaining('Enter a value.'));
    expect(screen.getByLabelText('visits', { exact: true })).toHaveAccessibleDescription(expect.stringContaining('Enter a whole number.'));
    expect(screen.getByLabelText('profile', { exact: true })).toHaveAccessibleDescription(expect.stringContaining('Enter valid JSON.'));
    expect(writes(gw.calls)).toEqual([]);
  });

  it('shows a refusal that is about no field (a rule, a hook) as the form’s own', async () => {
    gateway(() => envelope(422, 'HOOK_REJECTED', 'The customer is on the blocklist.'));
    const { user } = show();
    await user.type(screen.getByLabelText('name', { exact: true }), 'Ada');
    await user.type(screen.getByLabelText('email', { exact: true }), 'ada@example.com');
    await user.click(screen.getByRole('button', { name: 'Create record' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('The customer is on the blocklist.');
  });

  it('edits a record: locked fields can’t change, a password left empty is kept, only what changed is sent', async () => {
    const record = { id: 3, name: 'Ada', email: 'ada@example.com', credit_limit: 1000, visits: 3, vip: false, status: 'lead', code: 'ABC', company: 7 };
    const gw = gateway((call) => ({ status: 200, body: { ...record, ...(call.body as object) } }));
    const { user, onSaved } = show(record);
    expect(screen.getByLabelText('code', { exact: true })).toBeDisabled();
    expect(screen.getByLabelText('secret', { exact: true })).toHaveValue('');
    expect(screen.getByLabelText('secret', { exact: true })).toHaveAccessibleDescription(expect.stringContaining('leave empty to keep it'));
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(await screen.findByText('Nothing changed.')).toBeInTheDocument();
    expect(writes(gw.calls)).toEqual([]);

    await user.selectOptions(screen.getByLabelText('status', { exact: true }), 'active');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(onSaved).toHaveBeenCalledWith(expect.objectContaining({ status: 'active' })));
    expect(writes(gw.calls)).toEqual([{ method: 'PATCH', path: '/api/db/crm/resources/customers/3', body: { status: 'active' } }]);
  });
});
