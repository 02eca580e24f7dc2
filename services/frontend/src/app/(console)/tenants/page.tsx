import type { Metadata } from 'next';
import { ComingSoon } from '@/components/coming-soon';
import { PageHeader } from '@/components/shell/page-header';

export const metadata: Metadata = { title: 'Tenants' };

export default function TenantsPage() {
  return (
    <>
      <PageHeader title="Tenants" />
      <ComingSoon title="Tenants arrive with the tenancy API">
        <p>
          Here you will manage tenants, their members and roles, their API keys (each shown once) and their quotas, and sign
          in with an email and a password.
        </p>
        <p>Today the gateway knows one identity, the platform admin, so there is nothing to show.</p>
      </ComingSoon>
    </>
  );
}
