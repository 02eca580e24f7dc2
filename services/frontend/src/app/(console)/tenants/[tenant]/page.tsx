import type { Metadata } from 'next';
import { TenantView } from '@/components/tenants/tenant-view';
import { tenantIdParam } from '@/lib/route-params';

export const metadata: Metadata = { title: 'Tenant' };

export default async function TenantPage({ params }: { params: Promise<{ tenant: string }> }) {
  return <TenantView tenantId={await tenantIdParam(params)} />;
}
