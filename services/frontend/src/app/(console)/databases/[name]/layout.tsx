import type { ReactNode } from 'react';
import { DatabaseHeader } from '@/components/database/database-header';
import { databaseNameParam } from '@/lib/route-params';

export default async function DatabaseLayout({ children, params }: { children: ReactNode; params: Promise<{ name: string }> }) {
  const name = await databaseNameParam(params);
  return (
    <>
      <DatabaseHeader name={name} />
      {children}
    </>
  );
}
