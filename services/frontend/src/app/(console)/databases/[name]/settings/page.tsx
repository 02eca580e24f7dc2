import type { Metadata } from 'next';
import { SettingsView } from '@/components/settings/settings-view';
import { databaseNameParam } from '@/lib/route-params';

type Props = { params: Promise<{ name: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: `${await databaseNameParam(params)} · Settings` };
}

export default async function Page({ params }: Props) {
  return <SettingsView database={await databaseNameParam(params)} />;
}
