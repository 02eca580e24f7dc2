import { notFound } from 'next/navigation';
import { isValidDatabaseName } from './database-name';
import { isValidTenantId } from './tenant-id';

/** The database name of a /databases/[name] route; a name the gateway could never accept is a 404 here already. */
export async function databaseNameParam(params: Promise<{ name: string }>): Promise<string> {
  const { name: raw } = await params;
  let name: string;
  try {
    name = decodeURIComponent(raw);
  } catch {
    notFound();
  }
  if (!isValidDatabaseName(name)) notFound();
  return name;
}

/** The tenant id of a /tenants/[tenant] route; an id the gateway could never accept is a 404 here already. */
export async function tenantIdParam(params: Promise<{ tenant: string }>): Promise<string> {
  const { tenant: raw } = await params;
  let id: string;
  try {
    id = decodeURIComponent(raw);
  } catch {
    notFound();
  }
  if (!isValidTenantId(id)) notFound();
  return id;
}
