import type { Member, PutMemberBody } from '@dbforge/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { authKeys } from '../auth/keys';
import { gatewayFetch, gatewayRequest, seg } from '../fetcher';
import { tenantKeys } from './keys';

export type { Member };

export function getMembers(tenant: string, signal?: AbortSignal): Promise<Member[]> {
  return gatewayFetch<Member[]>(`/admin/tenants/${seg(tenant)}/members`, signal ? { signal } : {});
}

export function useMembersQuery(tenant: string) {
  return useQuery({ queryKey: tenantKeys.members(tenant), queryFn: ({ signal }) => getMembers(tenant, signal) });
}

export interface PutMemberVariables {
  tenant: string;
  member: PutMemberBody;
}

export interface PutMemberResult {
  member: Member;
  /** True when the user joined the tenant (201), false when only their role changed (200). */
  added: boolean;
}

/** Adds a member (creating the account when a password is given and none has the email) or changes their role. */
export async function putMember({ tenant, member }: PutMemberVariables): Promise<PutMemberResult> {
  const reply = await gatewayRequest<Member>(`/admin/tenants/${seg(tenant)}/members`, { method: 'PUT', body: member });
  return { member: reply.body, added: reply.status === 201 };
}

export interface RemoveMemberVariables {
  tenant: string;
  userId: string;
}

export async function removeMember({ tenant, userId }: RemoveMemberVariables): Promise<void> {
  await gatewayFetch(`/admin/tenants/${seg(tenant)}/members/${seg(userId)}`, { method: 'DELETE' });
}

/** A change of members may be a change of the caller's own role: who-am-I is asked again too. */
function useRefreshMembers() {
  const queryClient = useQueryClient();
  return async (tenant: string) => {
    await queryClient.invalidateQueries({ queryKey: tenantKeys.members(tenant) });
    await queryClient.invalidateQueries({ queryKey: authKeys.me() });
  };
}

export function useMemberPutMutation() {
  const refresh = useRefreshMembers();
  return useMutation({ mutationFn: putMember, onSuccess: (_result, { tenant }) => refresh(tenant) });
}

export function useMemberRemoveMutation() {
  const refresh = useRefreshMembers();
  return useMutation({ mutationFn: removeMember, onSuccess: (_result, { tenant }) => refresh(tenant) });
}
