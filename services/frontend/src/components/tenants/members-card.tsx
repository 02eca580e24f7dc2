'use client';

import { useState, type FormEvent } from 'react';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { DataTable, type Column } from '@/components/ui/data-table';
import { Field } from '@/components/ui/field';
import { QueryView } from '@/components/ui/query-view';
import { SelectField } from '@/components/ui/select-field';
import { EmptyState, InlineError } from '@/components/ui/states';
import type { WhoAmI } from '@/data/auth/me-query';
import { isApiError } from '@/data/fetcher';
import { useMemberPutMutation, useMemberRemoveMutation, useMembersQuery, type Member } from '@/data/tenants/members';
import { MEMBER_ROLES, roleLabel, type MemberRole } from '@/lib/access';
import { formatDateTime } from '@/lib/format';

/** The tenant's members and roles. Owners add, change and remove them; everyone else sees the list. */
export function MembersCard({ tenant, canManage, me }: { tenant: string; canManage: boolean; me: WhoAmI | undefined }) {
  const members = useMembersQuery(tenant);
  const [notice, setNotice] = useState('');

  return (
    <Card title="Members" id="members-title">
      <div className="space-y-4">
        {canManage ? (
          <AddMemberForm tenant={tenant} onDone={setNotice} createsAccounts={me?.platform_admin === true} />
        ) : (
          <p className="text-sm text-zinc-600 dark:text-zinc-400">Only the tenant’s owners add, change and remove members.</p>
        )}
        <p role="status" className="text-sm text-emerald-700 empty:hidden dark:text-emerald-400">
          {notice}
        </p>
        <QueryView
          query={members}
          loadingLabel="Loading members…"
          errorTitle="The members could not be loaded."
          empty={<EmptyState title="No members yet">{canManage ? 'Add the first one above.' : null}</EmptyState>}
        >
          {(list) => <MembersTable tenant={tenant} members={list} canManage={canManage} me={me} onDone={setNotice} />}
        </QueryView>
      </div>
    </Card>
  );
}

/** Adds an existing account by email; the platform admin may also create the account (with a password). */
function AddMemberForm({ tenant, onDone, createsAccounts }: { tenant: string; onDone: (notice: string) => void; createsAccounts: boolean }) {
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<MemberRole>('developer');
  const [password, setPassword] = useState('');
  const [touched, setTouched] = useState(false);
  const put = useMemberPutMutation();
  const problems = isApiError(put.error) ? put.error.fieldProblems : [];
  const emailProblem = email.trim() === '' ? 'Enter an email.' : !/^[^\s@]+@[^\s@]+$/.test(email.trim()) ? 'Enter an email address.' : null;
  const passwordProblem = password !== '' && password.length < 10 ? 'At least 10 characters.' : null;

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setTouched(true);
    if (emailProblem !== null || passwordProblem !== null) return;
    onDone('');
    try {
      const result = await put.mutateAsync({
        tenant,
        member: { email: email.trim(), role, ...(password === '' ? {} : { password }) },
      });
      onDone(
        result.added
          ? `${result.member.email} added as ${roleLabel(result.member.role).toLowerCase()}.`
          : `${result.member.email} was already a member; their role is now ${roleLabel(result.member.role).toLowerCase()}.`,
      );
      setEmail('');
      setPassword('');
      setTouched(false);
      put.reset();
    } catch {
      // Shown from put.error below.
    }
  }

  return (
    <form className="space-y-3 rounded-md border border-zinc-200 p-4 dark:border-zinc-800" onSubmit={onSubmit} noValidate aria-label="Add member">
      <div className="grid gap-3 sm:grid-cols-[2fr_1fr_2fr]">
        <Field
          label="Email"
          type="email"
          autoComplete="off"
          spellCheck={false}
          value={email}
          onChange={(event) => setEmail(event.target.value)}
          error={touched ? (emailProblem ?? problems.find((p) => p.field === 'body.email')?.message) : null}
        />
        <SelectField label="Role" value={role} onChange={(event) => setRole(event.target.value as MemberRole)}>
          {MEMBER_ROLES.map((r) => (
            <option key={r.value} value={r.value}>
              {r.label}
            </option>
          ))}
        </SelectField>
        {createsAccounts ? (
          <Field
            label="Password (optional)"
            type="password"
            autoComplete="new-password"
            value={password}
            onChange={(event) => setPassword(event.target.value)}
            hint="Creates a new account with this email; at least 10 characters. Leave empty to add an existing account."
            error={touched ? (passwordProblem ?? problems.find((p) => p.field === 'body.password')?.message) : null}
          />
        ) : null}
      </div>
      <p className="text-xs text-zinc-500 dark:text-zinc-400">
        {MEMBER_ROLES.map((r) => `${r.label}: ${r.description}`).join('. ')}.
      </p>
      {put.error && problems.length === 0 ? <InlineError>{put.error.message}</InlineError> : null}
      <Button type="submit" variant="primary" disabled={put.isPending}>
        {put.isPending ? 'Adding…' : 'Add member'}
      </Button>
    </form>
  );
}

function MembersTable({
  tenant,
  members,
  canManage,
  me,
  onDone,
}: {
  tenant: string;
  members: Member[];
  canManage: boolean;
  me: WhoAmI | undefined;
  onDone: (notice: string) => void;
}) {
  const put = useMemberPutMutation();
  const remove = useMemberRemoveMutation();
  const sorted = [...members].sort((a, b) => a.email.localeCompare(b.email));

  async function changeRole(member: Member, role: MemberRole) {
    onDone('');
    try {
      await put.mutateAsync({ tenant, member: { email: member.email, role } });
      onDone(`${member.email} is now ${roleLabel(role).toLowerCase()}.`);
    } catch {
      // Shown from put.error below; the select shows the role the gateway still has.
    }
  }

  const isYou = (member: Member) => me?.kind === 'user' && me.id === member.user_id;
  const columns: Column<Member>[] = [
    {
      header: 'Email',
      cell: (member) => (
        <>
          {member.email}
          {isYou(member) ? (
            <>
              {' '}
              <span className="ml-1 text-xs font-normal text-zinc-500 dark:text-zinc-400">(you)</span>
            </>
          ) : null}
        </>
      ),
    },
    {
      header: 'Role',
      cell: (member) =>
        canManage ? (
          <SelectField
            label={`Role of ${member.email}`}
            hideLabel
            className="w-36"
            value={member.role}
            disabled={put.isPending}
            onChange={(event) => void changeRole(member, event.target.value as MemberRole)}
          >
            {MEMBER_ROLES.map((r) => (
              <option key={r.value} value={r.value}>
                {r.label}
              </option>
            ))}
          </SelectField>
        ) : (
          roleLabel(member.role)
        ),
    },
    { header: 'Added', cell: (member) => <time dateTime={member.created_at}>{formatDateTime(member.created_at)}</time> },
    ...(canManage
      ? [
          {
            header: 'Actions',
            hideHeader: true,
            className: 'text-right',
            cell: (member: Member) => (
              <ConfirmDialog
                trigger={
                  <Button variant="ghost" size="sm" aria-label={`Remove ${member.email}`}>
                    Remove
                  </Button>
                }
                title={`Remove ${member.email}?`}
                description={
                  isYou(member)
                    ? 'You lose access to this tenant and its databases at once.'
                    : 'They lose access to this tenant and its databases at once. Their account stays, with any other tenants.'
                }
                confirmLabel="Remove member"
                pendingLabel="Removing…"
                onConfirm={async () => {
                  await remove.mutateAsync({ tenant, userId: member.user_id });
                  onDone(`${member.email} removed.`);
                }}
              />
            ),
          },
        ]
      : []),
  ];

  return (
    <div className="space-y-3">
      {put.error ? <InlineError>{put.error.message}</InlineError> : null}
      <DataTable caption="Members" columns={columns} rows={sorted} rowKey={(member) => member.user_id} />
    </div>
  );
}
