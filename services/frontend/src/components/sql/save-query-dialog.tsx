'use client';

import { useState, type FormEvent } from 'react';
import { Button } from '@/components/ui/button';
import { Dialog, DialogClose, DialogContent, DialogTrigger } from '@/components/ui/dialog';
import { Field } from '@/components/ui/field';
import { saveQuery } from '@/data/sql/local-queries';

export function SaveQueryDialog({ database, getSql }: { database: string; getSql: () => string }) {
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const [problem, setProblem] = useState<string | null>(null);

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const sql = getSql().trim();
    if (name.trim() === '') return setProblem('Enter a name.');
    if (sql === '') return setProblem('The editor is empty: write a query first.');
    saveQuery(database, name, sql);
    setOpen(false);
  }

  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        setName('');
        setProblem(null);
      }}
    >
      <DialogTrigger asChild>
        <Button>Save query</Button>
      </DialogTrigger>
      <DialogContent title="Save query" description="Saved queries are kept in this browser, for this database.">
        <form className="space-y-4" onSubmit={onSubmit} noValidate>
          <Field label="Query name" autoComplete="off" value={name} onChange={(event) => setName(event.target.value)} error={problem} maxLength={100} />
          <div className="flex justify-end gap-2">
            <DialogClose asChild>
              <Button>Cancel</Button>
            </DialogClose>
            <Button type="submit" variant="primary">
              Save
            </Button>
          </div>
        </form>
      </DialogContent>
    </Dialog>
  );
}
