import { redirect } from 'next/navigation';
import { databaseNameParam } from '@/lib/route-params';

export default async function DatabasePage({ params }: { params: Promise<{ name: string }> }) {
  redirect(`/databases/${encodeURIComponent(await databaseNameParam(params))}/sql`);
}
