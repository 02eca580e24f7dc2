import type { WhoAmI } from '@dbforge/contracts';
import { act, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EventsView, LIVE_EVENTS_KEPT } from '@/components/events/events-view';
import type { ChangeEvent } from '@/data/events/events-query';
import { eventKeys } from '@/data/events/keys';
import { envelope, fakeGateway, sampleDatabase, testQueryClient, withClient, type FakeCall } from '../../support/fake-console';
import { FakeEventSource } from '../../support/fake-event-source';
import { schemaReply } from '../../support/resources';

const navigation = vi.hoisted(() => ({ search: new URLSearchParams(), replace: vi.fn() }));
vi.mock('next/navigation', () => ({
  useSearchParams: () => navigation.search,
  useRouter: () => ({ replace: navigation.replace }),
  usePathname: () => '/databases/crm/events',
}));

beforeEach(() => {
  navigation.search = new URLSearchParams();
  navigation.replace.mockReset();
  FakeEventSource.install();
});
afterEach(() => vi.unstubAllGlobals());

const admin: WhoAmI = { kind: 'admin', id: 'admin', platform_admin: true, tenants: [] };
const viewer: WhoAmI = { kind: 'user', id: 'u1', email: 'v@acme.example', platform_admin: false, tenants: [{ id: 'acme', role: 'viewer' }] };

const event = (id: number, op: ChangeEvent['op'], more: Partial<ChangeEvent> = {}): ChangeEvent => ({
  id,
  at: '2026-11-23T09:00:00.000Z',
  actor: { id: 'admin', roles: ['admin'] },
  request_id: null,
  source: 'resources',
  op,
  resource: 'customers',
  table: 'customers',
  record_id: '7',
  before: op === 'create' ? null : { id: 7, status: 'lead' },
  after: op === 'delete' ? null : { id: 7, status: op === 'create' ? 'lead' : 'active' },
  reverts: null,
  ...more,
});

type Handler = (call: FakeCall) => { status: number; body?: unknown };

function gateway(who: WhoAmI, events: Handler, more: Record<string, Handler> = {}) {
  return fakeGateway({
    'GET /auth/me': () => ({ status: 200, body: who }),
    'GET /admin/databases/crm': () => ({ status: 200, body: { ...sampleDatabase, name: 'crm', tenant: 'acme' } }),
    'GET /api/db/crm/schema': () => ({ status: 200, body: schemaReply([]) }),
    'GET /api/db/crm/tables': () => ({ status: 200, body: { tables: [{ name: 'customers', type: 'table', columns: [] }, { name: 'audit', type: 'table', columns: [] }] } }),
    'GET /api/db/crm/events': events,
    ...more,
  });
}

function show() {
  const Wrapper = withClient(testQueryClient());
  render(
    <Wrapper>
      <EventsView database="crm" />
    </Wrapper>,
  );
  return userEvent.setup();
}

const timeline = () => screen.getByRole('list', { name: 'Events' });
const titles = (list: HTMLElement) => within(list).getAllByRole('article').map((a) => a.getAttribute('aria-labelledby'));

describe('the events page', () => {
  it('lists the log oldest first, follows the stream from the last event listed, and adds live events at the end', async () => {
    gateway(admin, () => ({ status: 200, body: { data: [event(1, 'create'), event(2, 'update')], next_cursor: null } }));
    show();
    await screen.findByRole('article', { name: /create customers record 7/ });
    expect(titles(timeline())).toEqual(['event-1-title', 'event-2-title']);
    await waitFor(() => expect(FakeEventSource.instances).toHaveLength(1));
    // At the head of the log: resumes after event 2, so nothing written meanwhile is missed or repeated.
    expect(FakeEventSource.latest().url).toBe('/api/gateway/api/db/crm/events/stream?last_event_id=2');
    expect(screen.getByText('Connecting to live updates…')).toBeInTheDocument();

    act(() => FakeEventSource.latest().open());
    expect(screen.getByText('Live: new events appear at the end.')).toBeInTheDocument();
    act(() => {
      FakeEventSource.latest().send('change', event(3, 'delete'));
      // The stream may repeat what a page had: shown once.
      FakeEventSource.latest().send('change', event(2, 'update'));
    });
    await waitFor(() => expect(titles(timeline())).toEqual(['event-1-title', 'event-2-title', 'event-3-title']));
    expect(screen.getByText('New event: delete customers record 7.')).toBeInTheDocument();

    // A drop: the browser reconnects by itself, and says so meanwhile.
    act(() => FakeEventSource.latest().fail());
    expect(screen.getByText('Live updates interrupted: reconnecting…')).toBeInTheDocument();
  });

  it('offers newer pages before the head, and shows live events apart until they are reached', async () => {
    gateway(admin, (call) =>
      call.path.includes('cursor=1')
        ? { status: 200, body: { data: [event(2, 'update')], next_cursor: null } }
        : { status: 200, body: { data: [event(1, 'create')], next_cursor: '1' } },
    );
    const user = show();
    await screen.findByRole('article', { name: /create customers record 7/ });
    await waitFor(() => expect(FakeEventSource.instances).toHaveLength(1));
    // Not at the head: the stream starts from now; the events in between come with the pages.
    expect(FakeEventSource.latest().url).toBe('/api/gateway/api/db/crm/events/stream');
    act(() => FakeEventSource.latest().send('change', event(9, 'delete')));
    const live = await screen.findByRole('list', { name: 'Live events' });
    expect(titles(live)).toEqual(['event-9-title']);
    expect(screen.getByText('1 live event below; the events before it are not loaded yet.')).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Load newer events' }));
    await waitFor(() => expect(titles(timeline())).toEqual(['event-1-title', 'event-2-title', 'event-9-title']));
    expect(screen.queryByRole('list', { name: 'Live events' })).not.toBeInTheDocument();
  });

  it('reverts an event; a conflict names the newer events, and “Revert anyway” forces it', async () => {
    const gw = gateway(admin, () => ({ status: 200, body: { data: [event(1, 'create'), event(2, 'update')], next_cursor: null } }), {
      'POST /api/db/crm/events/1/revert': (call) =>
        call.path.endsWith('force=true')
          ? { status: 201, body: { reverted: event(1, 'create'), event: event(3, 'delete', { source: 'revert', reverts: 1 }) } }
          : envelope(409, 'CONFLICT', 'The record changed after event 1: event(s) 2 came later.', { newer_events: [2] }),
    });
    const user = show();
    const created = await screen.findByRole('article', { name: /create customers record 7/ });
    await user.click(within(created).getByRole('button', { name: 'Revert event 1' }));
    const conflict = await within(created).findByRole('alert');
    expect(conflict).toHaveTextContent('The record changed after this event: event 2 came later.');
    expect(within(conflict).getByRole('link', { name: 'event 2' })).toHaveAttribute('href', '#event-2');
    await user.click(within(conflict).getByRole('button', { name: 'Revert anyway' }));
    expect(await within(created).findByText('Reverted as event 3.')).toBeInTheDocument();
    expect(gw.calls.filter((c) => c.method === 'POST').map((c) => c.path)).toEqual(['/api/db/crm/events/1/revert', '/api/db/crm/events/1/revert?force=true']);
    expect(within(created).queryByRole('alert')).not.toBeInTheDocument();
  });

  it('shows a viewer no Revert', async () => {
    gateway(viewer, () => ({ status: 200, body: { data: [event(1, 'create')], next_cursor: null } }));
    show();
    await screen.findByRole('article', { name: /create customers record 7/ });
    await screen.findByText('Connecting to live updates…');
    expect(screen.queryByRole('button', { name: /^Revert/ })).not.toBeInTheDocument();
  });

  it('filters by resource, record and time through the URL, and streams the same filter', async () => {
    navigation.search = new URLSearchParams('resource=customers&record=7');
    const gw = gateway(admin, () => ({ status: 200, body: { data: [], next_cursor: null } }));
    const user = show();
    expect(await screen.findByText('No events match.')).toBeInTheDocument();
    expect(gw.calls.find((c) => c.path.startsWith('/api/db/crm/events'))!.path).toBe('/api/db/crm/events?resource=customers&record=7&limit=100');
    await waitFor(() => expect(FakeEventSource.instances).toHaveLength(1));
    expect(FakeEventSource.latest().url).toBe('/api/gateway/api/db/crm/events/stream?resource=customers&record=7');

    const form = screen.getByRole('form', { name: 'Filter events' });
    expect(within(form).getByLabelText('Resource')).toHaveValue('customers');
    await waitFor(() => expect(within(within(form).getByLabelText('Resource')).getByRole('option', { name: 'audit' })).toBeInTheDocument());
    await user.selectOptions(within(form).getByLabelText('Resource'), 'audit');
    await user.clear(within(form).getByLabelText('Record'));
    await user.type(within(form).getByLabelText('Since'), '2026-11-01T10:00:00');
    await user.click(within(form).getByRole('button', { name: 'Filter' }));
    expect(navigation.replace).toHaveBeenCalledWith(`/databases/crm/events?resource=audit&since=${encodeURIComponent(new Date('2026-11-01T10:00:00').toISOString())}`);
    await user.click(within(form).getByRole('button', { name: 'Clear' }));
    expect(navigation.replace).toHaveBeenLastCalledWith('/databases/crm/events');
  });

  it('turns live updates off while an end time is set', async () => {
    navigation.search = new URLSearchParams('until=2026-11-01T00:00:00.000Z');
    gateway(admin, () => ({ status: 200, body: { data: [event(1, 'create')], next_cursor: null } }));
    show();
    expect(await screen.findByText('Live updates are off while an end time is set.')).toBeInTheDocument();
    expect(FakeEventSource.instances).toHaveLength(0);
  });

  it('says when the stream is refused, asks who is signed in, and reconnects on request', async () => {
    let meCalls = 0;
    gateway(admin, () => ({ status: 200, body: { data: [], next_cursor: null } }), {
      'GET /auth/me': () => {
        meCalls++;
        return { status: 200, body: admin };
      },
    });
    const user = show();
    await screen.findByText('No events yet');
    await waitFor(() => expect(FakeEventSource.instances).toHaveLength(1));
    const before = meCalls;
    act(() => FakeEventSource.latest().fail(true));
    expect(await screen.findByText('Live updates stopped.')).toBeInTheDocument();
    await waitFor(() => expect(meCalls).toBe(before + 1));
    await user.click(screen.getByRole('button', { name: 'Reconnect' }));
    expect(FakeEventSource.instances).toHaveLength(2);
    expect(FakeEventSource.instances[0]!.closed).toBe(true);
    expect(screen.getByText('Connecting to live updates…')).toBeInTheDocument();
  });

  it('keeps the events listed, and the stream open, when a refresh fails, and says so', async () => {
    let failing = false;
    gateway(admin, () =>
      failing ? envelope(503, 'WORKER_UNAVAILABLE', 'The database worker is not available.') : { status: 200, body: { data: [event(1, 'create')], next_cursor: null } },
    );
    const client = testQueryClient();
    const Wrapper = withClient(client);
    render(
      <Wrapper>
        <EventsView database="crm" />
      </Wrapper>,
    );
    await screen.findByRole('article', { name: /create customers record 7/ });
    await waitFor(() => expect(FakeEventSource.instances).toHaveLength(1));
    act(() => FakeEventSource.latest().open());
    failing = true;
    await act(() => client.refetchQueries({ queryKey: eventKeys.all('crm') }));
    expect(await screen.findByRole('alert')).toHaveTextContent('The database worker is not available.');
    expect(screen.getByRole('article', { name: /create customers record 7/ })).toBeInTheDocument();
    // The stream stays: a live event still arrives at the end.
    expect(FakeEventSource.instances).toHaveLength(1);
    expect(FakeEventSource.instances[0]!.closed).toBe(false);
    act(() => FakeEventSource.latest().send('change', event(2, 'update')));
    expect(await screen.findByRole('article', { name: /update customers record 7/ })).toBeInTheDocument();
  });

  it('keeps only the newest live events on the page (LIVE_EVENTS_KEPT), says so, and lists the rest from the log on request', async () => {
    expect(LIVE_EVENTS_KEPT).toBe(500);
    let pages = 0;
    gateway(admin, () => {
      pages++;
      return { status: 200, body: { data: [event(1, 'create')], next_cursor: pages === 1 ? null : '1' } };
    });
    const Wrapper = withClient(testQueryClient());
    render(
      <Wrapper>
        <EventsView database="crm" liveLimit={3} />
      </Wrapper>,
    );
    const user = userEvent.setup();
    await screen.findByRole('article', { name: /create customers record 7/ });
    await waitFor(() => expect(FakeEventSource.instances).toHaveLength(1));
    act(() => {
      FakeEventSource.latest().open();
      for (let id = 2; id <= 6; id++) FakeEventSource.latest().send('change', event(id, 'update'));
    });
    // The first page's event, then the newest live ones: the two oldest live events are let go of.
    expect(titles(timeline())).toEqual(['event-1-title', 'event-4-title', 'event-5-title', 'event-6-title']);
    expect(screen.getByText(/2 earlier live events are not shown/)).toHaveTextContent('only the newest 3 live events stay');
    await user.click(screen.getByRole('button', { name: 'List them from the log' }));
    // The log is asked again: its pages continue toward the newest events.
    expect(await screen.findByRole('button', { name: 'Load newer events' })).toBeInTheDocument();
    expect(screen.queryByText(/earlier live events are not shown/)).not.toBeInTheDocument();
    expect(titles(timeline())).toEqual(['event-1-title']);
  });
});
