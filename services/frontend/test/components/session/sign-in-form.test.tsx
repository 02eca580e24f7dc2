import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SignInForm } from '@/components/session/sign-in-form';
import { envelope, fakeGateway } from '../../support/fake-console';

afterEach(() => vi.unstubAllGlobals());

describe('the sign-in form', () => {
  it('offers Email and Password first, each labelled once, and a Sign in button', () => {
    fakeGateway({});
    render(<SignInForm />);
    expect(screen.getByRole('tab', { name: 'Email', selected: true })).toBeInTheDocument();
    expect(screen.getAllByLabelText('Email')).toHaveLength(1);
    expect(screen.getAllByLabelText('Password')).toHaveLength(1);
    expect(screen.getByLabelText('Email')).toHaveFocus();
    expect(screen.getByRole('button', { name: 'Sign in' })).toBeInTheDocument();
    expect(screen.queryByLabelText('API key')).not.toBeInTheDocument();
  });

  it('posts the email and password to the console’s session route and shows the gateway’s refusal', async () => {
    const gw = fakeGateway({ 'POST /api/session': () => envelope(401, 'UNAUTHORIZED', 'Invalid email or password.') });
    const user = userEvent.setup();
    render(<SignInForm />);
    await user.type(screen.getByLabelText('Email'), 'ada@example.com');
    await user.type(screen.getByLabelText('Password'), 'a long passphrase');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Invalid email or password.');
    expect(gw.calls).toEqual([{ method: 'POST', path: '/api/session', body: { email: 'ada@example.com', password: 'a long passphrase' } }]);
  });

  it('asks for what is missing before it posts anything', async () => {
    const gw = fakeGateway({});
    const user = userEvent.setup();
    render(<SignInForm />);
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(screen.getByRole('alert')).toHaveTextContent('Enter your email.');
    await user.type(screen.getByLabelText('Email'), 'ada@example.com');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(screen.getByRole('alert')).toHaveTextContent('Enter your password.');
    expect(gw.calls).toEqual([]);
  });

  it('signs in with an API key from its own tab, reached by keyboard, and keeps the focus on the tabs', async () => {
    const gw = fakeGateway({ 'POST /api/session': () => envelope(401, 'UNAUTHORIZED', 'Invalid API Key.') });
    const user = userEvent.setup();
    render(<SignInForm />);
    await user.click(screen.getByRole('tab', { name: 'Email' }));
    await user.keyboard('{ArrowRight}');
    expect(screen.getByRole('tab', { name: 'API key', selected: true })).toHaveFocus();
    // The panel is not named after its tab, so "API key" labels the field alone.
    expect(screen.getAllByLabelText('API key')).toHaveLength(1);
    await user.type(screen.getByLabelText('API key'), 'wrong-key');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Invalid API Key.');
    expect(gw.calls).toEqual([{ method: 'POST', path: '/api/session', body: { api_key: 'wrong-key' } }]);
  });

  it('opens on the API key tab when asked to', () => {
    fakeGateway({});
    render(<SignInForm initialMethod="key" />);
    expect(screen.getByLabelText('API key')).toHaveFocus();
  });

  it('leaves the page for the console once signed in', async () => {
    fakeGateway({ 'POST /api/session': () => ({ status: 204 }) });
    const user = userEvent.setup();
    render(<SignInForm />);
    await user.type(screen.getByLabelText('Email'), 'ada@example.com');
    await user.type(screen.getByLabelText('Password'), 'a long passphrase');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    await waitFor(() => expect(screen.getByRole('button', { name: 'Signing in…' })).toBeDisabled());
  });
});
