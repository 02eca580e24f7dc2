import type { Metadata } from 'next';
import { EventsView } from '@/components/events/events-view';
import { databaseNameParam } from '@/lib/route-params';

type Props = { params: Promise<{ name: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: `${await databaseNameParam(params)} · Events` };
}

export default async function Page({ params }: Props) {
  return <EventsView database={await databaseNameParam(params)} />;
}
