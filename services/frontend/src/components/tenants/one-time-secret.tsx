'use client';

import { useId, useRef, type ReactNode } from 'react';
import { Button } from '@/components/ui/button';
import { CopyButton } from '@/components/ui/copy-button';

/**
 * A secret the gateway answers once (a new API key, a generated webhook secret): a warning that it won't be shown
 * again, the secret in a read-only field, and a copy button. The caller keeps the secret only while this is shown.
 */
export function OneTimeSecret({
  label,
  secret,
  copyLabel,
  what,
  note,
  children,
  onDone,
}: {
  /** Names the field that holds the secret ("API key for reporting"). */
  label: string;
  secret: string;
  copyLabel: string;
  /** What the secret is, in the warning: "key", "signing secret". */
  what: string;
  /** Why it is not shown again, and what to do if it is lost. */
  note: string;
  /** What was created, in words, under the secret. */
  children?: ReactNode;
  onDone: () => void;
}) {
  const input = useRef<HTMLInputElement>(null);
  const id = useId();
  return (
    <div className="space-y-4">
      <div role="alert" className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100">
        <p className="font-medium">This is the only time you will see this {what}.</p>
        <p>{note}</p>
      </div>
      <div className="space-y-1">
        <label htmlFor={id} className="block text-sm font-medium">
          {label}
        </label>
        <input
          ref={input}
          id={id}
          readOnly
          value={secret}
          spellCheck={false}
          autoComplete="off"
          className="field-input font-mono text-xs"
          onFocus={(event) => event.currentTarget.select()}
        />
      </div>
      <div className="flex flex-wrap items-center gap-3">
        <CopyButton text={secret} fallbackTarget={() => input.current} label={copyLabel} />
      </div>
      {children ? <p className="text-sm text-zinc-600 dark:text-zinc-400">{children}</p> : null}
      <div className="flex justify-end">
        <Button variant="primary" onClick={onDone}>
          Done
        </Button>
      </div>
    </div>
  );
}
