'use client';

import { useEffect, useState } from 'react';
import { Button, type ButtonProps } from './button';

/**
 * Copies text to the clipboard and says so. Where the clipboard is out of reach (a page served over plain http from
 * another host), it selects the text of `fallbackTarget` so that Ctrl+C does the rest.
 */
export function CopyButton({
  text,
  fallbackTarget,
  label = 'Copy',
  ...props
}: { text: string; fallbackTarget?: () => HTMLInputElement | null; label?: string } & Omit<ButtonProps, 'onClick' | 'children'>) {
  const [state, setState] = useState<'idle' | 'copied' | 'select'>('idle');

  useEffect(() => {
    if (state === 'idle') return;
    const timer = setTimeout(() => setState('idle'), 4_000);
    return () => clearTimeout(timer);
  }, [state]);

  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setState('copied');
    } catch {
      const input = fallbackTarget?.();
      input?.focus();
      input?.select();
      setState('select');
    }
  }

  return (
    <>
      <Button onClick={() => void copy()} {...props}>
        {label}
      </Button>
      <span role="status" className="text-sm text-emerald-700 empty:hidden dark:text-emerald-400">
        {state === 'copied' ? 'Copied to the clipboard.' : state === 'select' ? 'Selected: press Ctrl+C (⌘C) to copy.' : ''}
      </span>
    </>
  );
}
