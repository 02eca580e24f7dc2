import type { Metadata } from 'next';
import { SchemaView } from '@/components/schema/schema-view';
import { databaseNameParam } from '@/lib/route-params';

type Props = { params: Promise<{ name: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: `${await databaseNameParam(params)} · Schema` };
}

export default async function Page({ params }: Props) {
  return <SchemaView database={await databaseNameParam(params)} />;
}
