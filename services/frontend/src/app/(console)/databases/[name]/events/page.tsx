import type { Metadata } from 'next';
import { ComingSoon } from '@/components/coming-soon';

export const metadata: Metadata = { title: 'Events' };

export default function EventsPage() {
  return (
    <ComingSoon title="Events arrive with the event log">
      <p>
        Here you will follow the database&apos;s event timeline live, with before and after of every change, filters, and
        revert.
      </p>
      <p>The gateway does not offer the event log&apos;s API yet, so there is nothing to show.</p>
    </ComingSoon>
  );
}
