'use client';

import { useId, useMemo, useState, type FormEvent, type ReactNode } from 'react';
import { Button } from '@/components/ui/button';
import { DialogClose } from '@/components/ui/dialog';
import { InlineError } from '@/components/ui/states';
import { isApiError } from '@/data/fetcher';
import { useRecordSaveMutation, useRecordsQuery, type ResourceRecord } from '@/data/resources/records';
import type { ResourceSchema } from '@/data/resources/schema-query';
import {
  buildBody,
  fieldLabel,
  formFields,
  initialValues,
  isHidden,
  problemsByField,
  type FormField,
  type FormValues,
  type KeyKind,
  type ResourceDefinition,
} from '@/lib/resource-model';

/** How the key of a referenced resource is typed, so that ids go out as numbers when they are numbers. */
export function keyKindsFor(resource: ResourceDefinition, all: readonly ResourceSchema[]): Record<string, KeyKind> {
  const kinds: Record<string, KeyKind> = {};
  for (const field of resource.fields) {
    if (!field.references) continue;
    const target = all.find((r) => r.name === field.references!.resource)?.definition;
    const key = target?.fields.find((f) => f.name === (field.references!.field ?? target.primaryKey));
    kinds[field.name] = key && (key.kind === 'integer' || key.kind === 'bigint') ? 'number' : 'text';
  }
  return kinds;
}

/** A short name for a record in a list of choices: its key and its first text field. */
function recordTitle(resource: ResourceDefinition, record: ResourceRecord): string {
  const text = resource.fields.find((f) => (f.kind === 'string' || f.kind === 'email') && !isHidden(f) && typeof record[f.name] === 'string');
  return text ? String(record[text.name]) : '';
}

/** The records a reference may point to, as suggestions (the first page of the target). */
function ReferenceOptions({ database, target, id }: { database: string; target: ResourceSchema; id: string }) {
  const records = useRecordsQuery(database, target.name, { limit: '100' });
  const key = target.definition.primaryKey;
  return (
    <datalist id={id}>
      {(records.data?.data ?? []).map((record) => (
        <option key={String(record[key])} value={String(record[key])}>
          {recordTitle(target.definition, record)}
        </option>
      ))}
    </datalist>
  );
}

function Control({
  form,
  value,
  onChange,
  error,
  mode,
  database,
  resources,
}: {
  form: FormField;
  value: string | boolean;
  onChange: (value: string | boolean) => void;
  error: string | undefined;
  mode: 'create' | 'edit';
  database: string;
  resources: readonly ResourceSchema[];
}) {
  const id = useId();
  const { field, input } = form;
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const keepHidden = mode === 'edit' && isHidden(field);
  const required = form.required && !keepHidden;
  const locked = mode === 'edit' && form.locked;
  const hints = [field.description, fieldLabel(field), ...form.constraints, keepHidden ? 'leave empty to keep it' : undefined].filter(
    (h): h is string => typeof h === 'string' && h !== '',
  );
  const describedBy = [hints.length > 0 ? hintId : null, error ? errorId : null].filter(Boolean).join(' ') || undefined;
  const common = {
    id,
    'aria-invalid': error ? true : undefined,
    'aria-describedby': describedBy,
    'aria-required': required || undefined,
    disabled: locked,
  } as const;
  const target = field.references ? resources.find((r) => r.name === field.references!.resource) : undefined;
  const listId = `${id}-options`;

  let control: ReactNode;
  switch (input) {
    case 'checkbox':
      control = (
        <input {...common} type="checkbox" className="size-4" checked={value === true} onChange={(event) => onChange(event.target.checked)} />
      );
      break;
    case 'textarea':
    case 'json':
      control = (
        <textarea
          {...common}
          className="field-input min-h-20 font-mono text-xs"
          rows={input === 'json' ? 4 : 3}
          spellCheck={input === 'textarea'}
          value={String(value)}
          onChange={(event) => onChange(event.target.value)}
        />
      );
      break;
    case 'select':
      control = (
        <select {...common} className="field-input" value={String(value)} onChange={(event) => onChange(event.target.value)}>
          {/* Empty means "not set" (the default applies on create); a required field must be chosen. */}
          <option value="">{required ? 'Choose…' : '—'}</option>
          {(field.options ?? []).map((option) => (
            <option key={option} value={option}>
              {option}
            </option>
          ))}
        </select>
      );
      break;
    default: {
      const type =
        input === 'email' ? 'email' : input === 'url' ? 'url' : input === 'password' ? 'password' : input === 'date' ? 'date' : input === 'datetime' ? 'datetime-local' : 'text';
      control = (
        <input
          {...common}
          type={type}
          className="field-input"
          value={String(value)}
          onChange={(event) => onChange(event.target.value)}
          inputMode={input === 'integer' || input === 'bigint' ? 'numeric' : input === 'decimal' ? 'decimal' : undefined}
          step={input === 'datetime' ? 1 : undefined}
          maxLength={field.maxLength}
          autoComplete={input === 'password' ? 'new-password' : 'off'}
          list={target ? listId : undefined}
          spellCheck={input === 'text' && field.kind === 'string' ? undefined : false}
        />
      );
    }
  }

  return (
    <div className="space-y-1">
      <div className={input === 'checkbox' ? 'flex items-center gap-2' : 'flex items-baseline gap-1'}>
        {input === 'checkbox' ? control : null}
        <label htmlFor={id} className="font-mono text-sm font-medium">
          {field.name}
        </label>
        {required ? (
          <span aria-hidden="true" className="text-red-700 dark:text-red-400" title="required">
            *
          </span>
        ) : null}
        <span className="text-xs text-zinc-500 dark:text-zinc-400">{field.type === 'foreign_key' ? `→ ${field.references?.resource}` : field.type}</span>
      </div>
      {input === 'checkbox' ? null : control}
      {target ? <ReferenceOptions database={database} target={target} id={listId} /> : null}
      {hints.length > 0 ? (
        <p id={hintId} className="text-xs text-zinc-600 dark:text-zinc-400">
          {hints.join(' · ')}
        </p>
      ) : null}
      <p id={errorId} aria-live="polite" className="text-xs text-red-700 empty:hidden dark:text-red-400">
        {error ?? ''}
      </p>
    </div>
  );
}

export interface RecordFormProps {
  database: string;
  resource: ResourceSchema;
  /** Every resource of the database, for references. */
  resources: readonly ResourceSchema[];
  /** The record to edit; none to create one. */
  record?: ResourceRecord;
  onSaved: (record: ResourceRecord) => void;
}

/**
 * A create or edit form generated from the resource's fields. The API judges the values: its validation messages
 * (`details: [{field: "body.email", message}]`) are shown at their fields, every one at once; the form itself only
 * refuses what can't be sent (a required field left empty, a number or JSON that does not parse).
 */
export function RecordForm({ database, resource, resources, record, onSaved }: RecordFormProps) {
  const definition = resource.definition;
  const fields = useMemo(() => formFields(definition), [definition]);
  const mode = record ? 'edit' : 'create';
  const [values, setValues] = useState<FormValues>(() => initialValues(fields, record));
  const [localProblems, setLocalProblems] = useState<Record<string, string>>({});
  const [nothingChanged, setNothingChanged] = useState(false);
  const save = useRecordSaveMutation();
  const names = fields.map((f) => f.field.name);
  const server = isApiError(save.error) ? problemsByField(save.error.fieldProblems, names) : { byField: {}, other: [] };
  const serverByField: Record<string, string> = server.byField;
  const key = record ? String(record[definition.primaryKey]) : undefined;

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const built = buildBody(fields, values, { mode, original: record, keyKinds: keyKindsFor(definition, resources) });
    setLocalProblems(built.problems);
    setNothingChanged(false);
    if (Object.keys(built.problems).length > 0) return;
    if (mode === 'edit' && Object.keys(built.body).length === 0) {
      setNothingChanged(true);
      return;
    }
    save.reset();
    try {
      onSaved(await save.mutateAsync({ database, resource: resource.name, id: key, values: built.body }));
    } catch {
      // Shown from save.error below.
    }
  }

  const fieldError = (name: string) => localProblems[name] ?? serverByField[name];
  // The API's problems that belong to no field of the form (a rule's refusal, a hook's veto, a conflict).
  const generalProblem = save.error && (!isApiError(save.error) || save.error.fieldProblems.length === 0) ? save.error.message : null;

  return (
    <form className="space-y-4" onSubmit={(event) => void onSubmit(event)} noValidate aria-label={mode === 'create' ? `New ${resource.name} record` : `Edit ${resource.name} ${key}`}>
      {fields.length === 0 ? <p className="text-sm text-zinc-600 dark:text-zinc-400">Every field of this resource is set by the server.</p> : null}
      {fields.map((form) => (
        <Control
          key={form.field.name}
          form={form}
          value={values[form.field.name] ?? ''}
          onChange={(value) => {
            setValues((prev) => ({ ...prev, [form.field.name]: value }));
            setNothingChanged(false);
          }}
          error={fieldError(form.field.name)}
          mode={mode}
          database={database}
          resources={resources}
        />
      ))}
      {generalProblem ? <InlineError>{generalProblem}</InlineError> : null}
      {server.other.length > 0 ? (
        <InlineError>
          <ul>
            {server.other.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        </InlineError>
      ) : null}
      {save.error && isApiError(save.error) && save.error.fieldProblems.length > 0 ? (
        <p className="sr-only" role="alert">
          {save.error.message}
        </p>
      ) : null}
      <p role="status" className="text-sm text-zinc-600 empty:hidden dark:text-zinc-400">
        {nothingChanged ? 'Nothing changed.' : ''}
      </p>
      <div className="flex justify-end gap-2">
        <DialogClose asChild>
          <Button>Cancel</Button>
        </DialogClose>
        <Button type="submit" variant="primary" disabled={save.isPending}>
          {save.isPending ? 'Saving…' : mode === 'create' ? 'Create record' : 'Save changes'}
        </Button>
      </div>
    </form>
  );
}
