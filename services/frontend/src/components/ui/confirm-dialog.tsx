'use client';

import * as AlertDialog from '@radix-ui/react-alert-dialog';
import { useState, type ReactElement, type ReactNode } from 'react';
import { Button } from './button';
import { overlayClass, panelClass } from './dialog';
import { InlineError } from './states';

export interface ConfirmDialogProps {
  /** The control that opens the dialog (a Button). */
  trigger: ReactElement;
  title: string;
  description: ReactNode;
  confirmLabel: string;
  pendingLabel: string;
  /** Runs on confirmation; a rejection is shown in the dialog, which stays open. */
  onConfirm: () => Promise<unknown>;
}

/** Asks before something that can't be undone, and shows the gateway's refusal in its own words. */
export function ConfirmDialog({ trigger, title, description, confirmLabel, pendingLabel, onConfirm }: ConfirmDialogProps) {
  const [open, setOpen] = useState(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function confirm() {
    setPending(true);
    setError(null);
    try {
      await onConfirm();
      setOpen(false);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setPending(false);
    }
  }

  return (
    <AlertDialog.Root
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) setError(null);
      }}
    >
      <AlertDialog.Trigger asChild>{trigger}</AlertDialog.Trigger>
      <AlertDialog.Portal>
        <AlertDialog.Overlay className={overlayClass} />
        <AlertDialog.Content className={panelClass}>
          <AlertDialog.Title className="text-lg font-semibold">{title}</AlertDialog.Title>
          <AlertDialog.Description className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">{description}</AlertDialog.Description>
          <div className="mt-4 space-y-4">
            {error ? <InlineError>{error}</InlineError> : null}
            <div className="flex justify-end gap-2">
              <AlertDialog.Cancel asChild>
                <Button>Cancel</Button>
              </AlertDialog.Cancel>
              {/* Not AlertDialog.Action: that would close the dialog before the gateway answers. */}
              <Button variant="danger" onClick={() => void confirm()} disabled={pending}>
                {pending ? pendingLabel : confirmLabel}
              </Button>
            </div>
          </div>
        </AlertDialog.Content>
      </AlertDialog.Portal>
    </AlertDialog.Root>
  );
}
