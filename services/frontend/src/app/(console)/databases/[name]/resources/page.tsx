import type { Metadata } from 'next';
import { ResourcesView } from '@/components/resources/resources-view';
import { databaseNameParam } from '@/lib/route-params';

type Props = { params: Promise<{ name: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: `${await databaseNameParam(params)} · Resources` };
}

export default async function Page({ params }: Props) {
  return <ResourcesView database={await databaseNameParam(params)} />;
}
