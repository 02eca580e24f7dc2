'use client';

import { useTheme } from 'next-themes';
import { useId, useSyncExternalStore } from 'react';

const noop = () => () => {};

export function ThemeSelect() {
  const { theme, setTheme } = useTheme();
  // The chosen theme is known only in the browser; the server renders the control without a value.
  const mounted = useSyncExternalStore(noop, () => true, () => false);
  const id = useId();
  return (
    <div className="flex items-center gap-2 text-sm text-zinc-600 dark:text-zinc-400">
      <label htmlFor={id}>Theme</label>
      <select
        id={id}
        className="rounded-md border border-zinc-300 bg-white px-2 py-1 text-sm text-zinc-900 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100"
        value={mounted ? (theme ?? 'system') : 'system'}
        onChange={(event) => setTheme(event.target.value)}
      >
        <option value="system">System</option>
        <option value="light">Light</option>
        <option value="dark">Dark</option>
      </select>
    </div>
  );
}
