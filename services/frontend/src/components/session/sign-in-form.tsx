'use client';

import * as Tabs from '@radix-ui/react-tabs';
import { useState, type FormEvent } from 'react';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { InlineError } from '@/components/ui/states';
import { signIn, type SignInCredentials } from '@/data/session/session';
import { cn } from '@/lib/cn';

export type SignInMethod = 'password' | 'key';

const tabClass = cn(
  'flex-1 rounded-md px-3 py-1.5 text-sm font-medium text-zinc-600 dark:text-zinc-400',
  'data-[state=active]:bg-white data-[state=active]:text-zinc-900 data-[state=active]:shadow-sm',
  'dark:data-[state=active]:bg-zinc-700 dark:data-[state=active]:text-zinc-50',
);

/** Sign in with email and password (a user of the tenancy API) or with an API key; one tab each. */
export function SignInForm({ initialMethod = 'password' }: { initialMethod?: SignInMethod }) {
  const [method, setMethod] = useState<SignInMethod>(initialMethod);
  // The first field takes the focus when the page opens, not when a tab is chosen: arrowing through the tabs must
  // leave the focus on them.
  const [switched, setSwitched] = useState(false);
  return (
    <Tabs.Root
      value={method}
      onValueChange={(value) => {
        setMethod(value as SignInMethod);
        setSwitched(true);
      }}
      className="mt-6"
    >
      <Tabs.List aria-label="Sign-in method" className="flex gap-1 rounded-lg bg-zinc-100 p-1 dark:bg-zinc-800">
        <Tabs.Trigger value="password" className={tabClass}>
          Email
        </Tabs.Trigger>
        <Tabs.Trigger value="key" className={tabClass}>
          API key
        </Tabs.Trigger>
      </Tabs.List>
      {/* The panels are not named after their tabs: a panel called "API key" would be a second thing labelled
          "API key" beside the field, and tests (and screen-reader users) look fields up by their label. */}
      <Tabs.Content value="password" aria-labelledby={undefined} className="mt-4">
        <PasswordForm autoFocus={!switched} />
      </Tabs.Content>
      <Tabs.Content value="key" aria-labelledby={undefined} className="mt-4">
        <KeyForm autoFocus={!switched} />
      </Tabs.Content>
    </Tabs.Root>
  );
}

function useSignIn() {
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  async function submit(credentials: SignInCredentials) {
    setPending(true);
    setError(null);
    try {
      await signIn(credentials);
      // A full navigation, so what was typed here leaves the page's memory along with the form.
      window.location.assign('/databases');
    } catch (err) {
      setError((err as Error).message);
      setPending(false);
    }
  }
  return { error, setError, pending, submit };
}

function PasswordForm({ autoFocus }: { autoFocus: boolean }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { error, setError, pending, submit } = useSignIn();

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (email.trim() === '') return setError('Enter your email.');
    if (password === '') return setError('Enter your password.');
    void submit({ email, password });
  }

  return (
    <form className="space-y-4" onSubmit={onSubmit} noValidate>
      <Field
        label="Email"
        name="email"
        type="email"
        autoComplete="username"
        spellCheck={false}
        required
        autoFocus={autoFocus}
        value={email}
        onChange={(event) => setEmail(event.target.value)}
      />
      <Field
        label="Password"
        name="password"
        type="password"
        autoComplete="current-password"
        required
        value={password}
        onChange={(event) => setPassword(event.target.value)}
      />
      {error ? <InlineError>{error}</InlineError> : null}
      <Button type="submit" variant="primary" className="w-full" disabled={pending}>
        {pending ? 'Signing in…' : 'Sign in'}
      </Button>
    </form>
  );
}

function KeyForm({ autoFocus }: { autoFocus: boolean }) {
  const [apiKey, setApiKey] = useState('');
  const { error, setError, pending, submit } = useSignIn();

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (apiKey.trim().length === 0) return setError('Enter an API key.');
    void submit({ apiKey });
  }

  return (
    <form className="space-y-4" onSubmit={onSubmit} noValidate>
      <Field
        label="API key"
        name="api_key"
        type="password"
        autoComplete="off"
        spellCheck={false}
        required
        autoFocus={autoFocus}
        value={apiKey}
        onChange={(event) => setApiKey(event.target.value)}
        hint="The admin key the gateway printed on its first start (or DBFORGE_ADMIN_KEY), or a tenant's API key."
      />
      {error ? <InlineError>{error}</InlineError> : null}
      <Button type="submit" variant="primary" className="w-full" disabled={pending}>
        {pending ? 'Signing in…' : 'Sign in'}
      </Button>
    </form>
  );
}
