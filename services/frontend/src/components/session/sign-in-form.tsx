'use client';

import { useState, type FormEvent } from 'react';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { InlineError } from '@/components/ui/states';
import { signIn } from '@/data/session/session';

export function SignInForm() {
  const [apiKey, setApiKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (apiKey.trim().length === 0) {
      setError('Enter an API key.');
      return;
    }
    setPending(true);
    setError(null);
    try {
      await signIn(apiKey);
      // A full navigation, so the key typed here leaves the page's memory along with the form.
      window.location.assign('/databases');
    } catch (err) {
      setError((err as Error).message);
      setPending(false);
    }
  }

  return (
    <form className="mt-6 space-y-4" onSubmit={onSubmit} noValidate>
      <Field
        label="API key"
        name="api_key"
        type="password"
        autoComplete="off"
        spellCheck={false}
        required
        autoFocus
        value={apiKey}
        onChange={(event) => setApiKey(event.target.value)}
        hint="The admin key the gateway printed on its first start, or DBFORGE_ADMIN_KEY."
      />
      {error ? <InlineError>{error}</InlineError> : null}
      <Button type="submit" variant="primary" className="w-full" disabled={pending}>
        {pending ? 'Signing in…' : 'Sign in'}
      </Button>
    </form>
  );
}
