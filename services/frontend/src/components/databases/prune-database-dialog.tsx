'use client';

import * as AlertDialog from '@radix-ui/react-alert-dialog';
import { useState, type FormEvent } from 'react';
import { Button } from '@/components/ui/button';
import { overlayClass, panelClass } from '@/components/ui/dialog';
import { Field } from '@/components/ui/field';
import { InlineError } from '@/components/ui/states';
import { useDatabasePruneMutation } from '@/data/databases/database-prune-mutation';

export interface PruneDatabaseDialogProps {
  name: string;
  onPruned?: (name: string) => void;
  /** The trigger's look: a small row action, or the settings page's full button. */
  size?: 'sm' | 'md';
}

/** Pruning deletes the data for good, so it asks for the name to be typed, not just a click. */
export function PruneDatabaseDialog({ name, onPruned, size = 'sm' }: PruneDatabaseDialogProps) {
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState('');
  const prune = useDatabasePruneMutation();
  const confirmed = typed === name;

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!confirmed) return;
    try {
      await prune.mutateAsync(name);
      setOpen(false);
      onPruned?.(name);
    } catch {
      // Shown from prune.error below.
    }
  }

  return (
    <AlertDialog.Root
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) {
          setTyped('');
          prune.reset();
        }
      }}
    >
      <AlertDialog.Trigger asChild>
        {size === 'sm' ? (
          // In a table of databases the row's action must say which database it prunes.
          <Button variant="ghost" size="sm" aria-label={`Prune ${name}`}>
            Prune
          </Button>
        ) : (
          <Button variant="danger">Prune database…</Button>
        )}
      </AlertDialog.Trigger>
      <AlertDialog.Portal>
        <AlertDialog.Overlay className={overlayClass} />
        <AlertDialog.Content className={panelClass}>
          <AlertDialog.Title className="text-lg font-semibold">Prune {name}?</AlertDialog.Title>
          <AlertDialog.Description className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
            This stops the worker and deletes the database file with all its data. It cannot be undone. Type{' '}
            <strong className="font-mono text-zinc-900 dark:text-zinc-100">{name}</strong> to confirm.
          </AlertDialog.Description>
          <form className="mt-4 space-y-4" onSubmit={onSubmit}>
            <Field
              label="Database name"
              name="confirm"
              autoComplete="off"
              spellCheck={false}
              value={typed}
              onChange={(event) => setTyped(event.target.value)}
            />
            {prune.error ? <InlineError>{prune.error.message}</InlineError> : null}
            <div className="flex justify-end gap-2">
              <AlertDialog.Cancel asChild>
                <Button>Cancel</Button>
              </AlertDialog.Cancel>
              <Button type="submit" variant="danger" disabled={!confirmed || prune.isPending}>
                {prune.isPending ? 'Pruning…' : 'Prune database'}
              </Button>
            </div>
          </form>
        </AlertDialog.Content>
      </AlertDialog.Portal>
    </AlertDialog.Root>
  );
}
