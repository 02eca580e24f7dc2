import type { Metadata } from 'next';
import { SqlWorkspace } from '@/components/sql/sql-workspace';
import { databaseNameParam } from '@/lib/route-params';

type Props = { params: Promise<{ name: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: `${await databaseNameParam(params)} · SQL` };
}

export default async function Page({ params }: Props) {
  return <SqlWorkspace database={await databaseNameParam(params)} />;
}
