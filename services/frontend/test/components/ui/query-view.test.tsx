import { useQuery } from '@tanstack/react-query';
import { act, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { QueryView } from '@/components/ui/query-view';
import { EmptyState } from '@/components/ui/states';
import { testQueryClient, withClient } from '../../support/fake-console';

function Names({ fetchNames, isEmpty }: { fetchNames: () => Promise<string[]>; isEmpty?: (names: string[]) => boolean }) {
  const names = useQuery({ queryKey: ['names'], queryFn: fetchNames });
  return (
    <QueryView
      query={names}
      loadingLabel="Loading names…"
      errorTitle="The names could not be loaded."
      empty={<EmptyState title="No names yet" />}
      isEmpty={isEmpty}
    >
      {(list) => <p>Names: {list.join(', ')}</p>}
    </QueryView>
  );
}

function show(fetchNames: () => Promise<string[]>, isEmpty?: (names: string[]) => boolean) {
  const client = testQueryClient();
  const Wrapper = withClient(client);
  render(
    <Wrapper>
      <Names fetchNames={fetchNames} isEmpty={isEmpty} />
    </Wrapper>,
  );
  return { client, user: userEvent.setup() };
}

describe('QueryView', () => {
  it('says what is loading, then renders the data', async () => {
    let answer: (names: string[]) => void = () => {};
    show(() => new Promise((resolve) => (answer = resolve)));
    expect(screen.getByRole('status')).toHaveTextContent('Loading names…');
    act(() => answer(['ada', 'alan']));
    expect(await screen.findByText('Names: ada, alan')).toBeInTheDocument();
    expect(screen.queryByRole('status')).not.toBeInTheDocument();
  });

  it('shows the error’s message with a retry that asks again', async () => {
    const fetchNames = vi.fn().mockRejectedValueOnce(new Error('Gateway unreachable.')).mockResolvedValue(['ada']);
    const { user } = show(fetchNames);
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('The names could not be loaded.');
    expect(alert).toHaveTextContent('Gateway unreachable.');
    await user.click(screen.getByRole('button', { name: 'Retry' }));
    expect(await screen.findByText('Names: ada')).toBeInTheDocument();
    expect(fetchNames).toHaveBeenCalledTimes(2);
  });

  it('shows the empty state for an empty list', async () => {
    show(async () => []);
    expect(await screen.findByText('No names yet')).toBeInTheDocument();
  });

  it('asks isEmpty, when given one, whether there is anything to show', async () => {
    show(async () => ['-'], (names) => names.every((name) => name === '-'));
    expect(await screen.findByText('No names yet')).toBeInTheDocument();
  });

  it('keeps data loaded earlier through a failed refresh, and says so above it until a retry succeeds', async () => {
    const fetchNames = vi.fn().mockResolvedValueOnce(['ada']).mockRejectedValueOnce(new Error('Gateway unreachable.')).mockResolvedValue(['ada', 'alan']);
    const { client, user } = show(fetchNames);
    await screen.findByText('Names: ada');
    await act(() => client.refetchQueries({ queryKey: ['names'] }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('This could not be refreshed: it is shown as last loaded.');
    expect(alert).toHaveTextContent('Gateway unreachable.');
    expect(screen.getByText('Names: ada')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Retry' }));
    expect(await screen.findByText('Names: ada, alan')).toBeInTheDocument();
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });
});
