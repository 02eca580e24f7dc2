import type { Metadata } from 'next';
import { ComingSoon } from '@/components/coming-soon';

export const metadata: Metadata = { title: 'Resources' };

export default function ResourcesPage() {
  return (
    <ComingSoon title="Resources arrive with the YAML engine">
      <p>
        Here you will edit a database&apos;s resources as YAML, see the migration plan of a dry run, apply it, and browse and
        edit each resource&apos;s records with forms generated from its fields.
      </p>
      <p>The gateway does not offer the YAML engine&apos;s API yet, so there is nothing to show.</p>
    </ComingSoon>
  );
}
