import type { Metadata } from 'next';
import { MonitorView } from '@/components/monitor/monitor-view';

export const metadata: Metadata = { title: 'Monitor' };

export default function MonitorPage() {
  return <MonitorView />;
}
