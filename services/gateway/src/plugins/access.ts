import fp from 'fastify-plugin';
import type { FastifyRequest } from 'fastify';
import { DbForgeError, Errors } from '@dbforge/contracts';
import type { DatabaseRecord } from '../catalog/catalog.js';
import { capabilities, canSeeTenant, isPlatformAdmin, type Capability, type Identity } from '../tenancy/access.js';
import type { Tenant } from '../tenancy/store.js';
import { TenantRateLimiter } from '../tenancy/token-bucket.js';

/** The acting identity as a worker receives it (header `x-dbforge-actor`). */
export interface Actor {
  id: string;
  kind: 'platform';
  roles: string[];
  /** The caller may read but not change anything: the worker refuses every statement that would write. */
  readonly: boolean;
}

const WHAT: Record<Capability, string> = {
  read: 'read',
  write: 'change',
  manage: 'manage',
  delete: 'delete',
  members: 'manage the members of',
  keys: 'manage the API keys of',
};

function describe(identity: Identity): string {
  switch (identity.kind) {
    case 'admin':
      return 'the platform admin';
    case 'user':
      return identity.email;
    case 'key':
      return `API key ${identity.keyId} (${identity.scope}${identity.database ? `, database ${identity.database}` : ''})`;
  }
}

export function actorId(identity: Identity): string {
  switch (identity.kind) {
    case 'admin':
      return 'admin';
    case 'user':
      return `user:${identity.userId}`;
    case 'key':
      return `key:${identity.keyId}`;
  }
}

/** The acting identity to send to a database's worker. */
export function actorFor(identity: Identity, caps: ReadonlySet<Capability>): Actor {
  // Platform callers act as the database's administrator; a read-only one may not change anything.
  return { id: actorId(identity), kind: 'platform', roles: ['admin'], readonly: !caps.has('write') };
}

/**
 * The wall between tenants. Every route that names a database or a tenant asks here: a database or tenant the caller
 * can't see answers exactly as one that does not exist (404), so names are not disclosed; one it can see but may not
 * act on in the way asked answers 403. Requests per second of each tenant are counted here too.
 */
export class AccessControl {
  private readonly limiter = new TenantRateLimiter();

  constructor(
    private readonly lookupDatabase: (name: string) => DatabaseRecord | undefined,
    private readonly lookupTenant: (id: string) => Tenant | undefined,
  ) {}

  identity(request: FastifyRequest): Identity {
    if (request.identity === null) throw Errors.missingApiKey();
    return request.identity;
  }

  private throttle(tenant: Tenant | undefined): void {
    if (!tenant) return;
    const wait = this.limiter.take(tenant.id, tenant.quotas.requests_per_second);
    if (wait > 0) {
      throw new DbForgeError('RATE_LIMITED', `Tenant '${tenant.id}' is over its quota of ${tenant.quotas.requests_per_second} requests per second.`, {
        details: { retry_after_seconds: wait },
      });
    }
  }

  /** The database, if the caller may do `need` with it. */
  database(request: FastifyRequest, name: string, need: Capability): { record: DatabaseRecord; capabilities: ReadonlySet<Capability> } {
    return this.databaseFor(this.identity(request), name, need);
  }

  /**
   * The database, if `identity` may do `need` with it (the same answers as `database`, for a caller already identified).
   * With `throttle` false the request is not counted against its tenant's quota (the caller does, with `throttleFor`).
   */
  databaseFor(identity: Identity, name: string, need: Capability, throttle = true): { record: DatabaseRecord; capabilities: ReadonlySet<Capability> } {
    const record = this.lookupDatabase(name);
    if (record === undefined) throw Errors.databaseNotFound();
    const caps = capabilities(identity, record.tenantId, record.name);
    if (caps.size === 0) throw Errors.databaseNotFound();
    if (!caps.has(need)) {
      throw new DbForgeError('FORBIDDEN', `${describe(identity)} may not ${WHAT[need]} database '${name}'.`);
    }
    if (throttle) this.throttleFor(record);
    return { record, capabilities: caps };
  }

  /** Whether a request to the database is within its tenant's quota now (nothing is counted). */
  withinQuota(record: DatabaseRecord): boolean {
    const tenant = this.lookupTenant(record.tenantId);
    return tenant === undefined || this.limiter.wouldAllow(tenant.id, tenant.quotas.requests_per_second);
  }

  /** Counts a request to the database against its tenant's quota; throws RATE_LIMITED (nothing counted) when over it. */
  throttleFor(record: DatabaseRecord): void {
    this.throttle(this.lookupTenant(record.tenantId));
  }

  /** Whether `identity` may still read database `name` (it exists, and the identity's access includes reading it). */
  canRead(identity: Identity, name: string): boolean {
    const record = this.lookupDatabase(name);
    return record !== undefined && capabilities(identity, record.tenantId, record.name).has('read');
  }

  /** The acting identity to send to a database's worker. */
  actor(request: FastifyRequest, caps: ReadonlySet<Capability>): Actor {
    return actorFor(this.identity(request), caps);
  }

  tenant(request: FastifyRequest, tenantId: string, need: Capability | 'see'): Tenant {
    const identity = this.identity(request);
    const tenant = this.lookupTenant(tenantId);
    if (tenant === undefined || !canSeeTenant(identity, tenantId)) throw new DbForgeError('NOT_FOUND', 'Tenant not found.');
    if (need !== 'see' && !capabilities(identity, tenantId, null).has(need)) {
      throw new DbForgeError('FORBIDDEN', `${describe(identity)} may not ${WHAT[need]} tenant '${tenantId}'.`);
    }
    this.throttle(tenant);
    return tenant;
  }

  platformAdmin(request: FastifyRequest, what: string): void {
    if (!isPlatformAdmin(this.identity(request))) throw new DbForgeError('FORBIDDEN', `Only the platform admin may ${what}.`);
  }

  canSeeDatabase(request: FastifyRequest, record: DatabaseRecord): boolean {
    return capabilities(this.identity(request), record.tenantId, record.name).size > 0;
  }

  canSeeTenant(request: FastifyRequest, tenantId: string): boolean {
    return canSeeTenant(this.identity(request), tenantId);
  }

  /** The tenant a new database goes to when the caller does not name one. */
  defaultTenant(request: FastifyRequest): string {
    const identity = this.identity(request);
    switch (identity.kind) {
      case 'admin':
        return 'default';
      case 'key':
        return identity.tenantId;
      case 'user': {
        if (identity.platformAdmin && identity.roles.size === 0) return 'default';
        const managed = [...identity.roles].filter(([, role]) => role !== 'viewer').map(([id]) => id);
        if (managed.length === 1) return managed[0]!;
        throw new DbForgeError(
          'VALIDATION_ERROR',
          `Invalid request: body.tenant is required: ${describe(identity)} belongs to ${managed.length === 0 ? 'no tenant where it may create databases' : 'several tenants'}.`,
          { details: [{ field: 'body.tenant', message: 'is required' }] },
        );
      }
    }
  }

  /** Whether the caller is the platform admin (sees and manages every tenant). */
  isPlatformAdmin(request: FastifyRequest): boolean {
    return isPlatformAdmin(this.identity(request));
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    access: AccessControl;
  }
}

export const accessPlugin = fp(
  async (app) => {
    app.decorate(
      'access',
      new AccessControl(
        (name) => app.catalog.get(name),
        (id) => app.catalog.tenancy.tenant(id),
      ),
    );
  },
  { name: 'dbforge-access', fastify: '5.x', dependencies: ['dbforge-catalog', 'dbforge-auth'] },
);
