import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  ApiKeySchema,
  CreateKeyBodySchema,
  CreateTenantBodySchema,
  CreateUserBodySchema,
  CreatedKeySchema,
  DbForgeError,
  KeyParamsSchema,
  MemberParamsSchema,
  MemberSchema,
  MessageReplySchema,
  PutMemberBodySchema,
  TenantParamsSchema,
  TenantSchema,
  UpdateTenantBodySchema,
  UserSchema,
  withErrors,
} from '@dbforge/contracts';
import { actorId } from '../plugins/access.js';
import { SCOPE_CAPABILITIES, type Identity } from '../tenancy/access.js';
import { hashPassword } from '../tenancy/secrets.js';

/** A key never grants more than its creator has: a read-write key can't mint an admin key. */
function mayGrant(identity: Identity, scope: 'admin' | 'read_write' | 'read_only'): boolean {
  if (identity.kind !== 'key') return true;
  const held = new Set(SCOPE_CAPABILITIES[identity.scope]);
  return SCOPE_CAPABILITIES[scope].every((c) => held.has(c)) && identity.database === null;
}

/** Tenants, their members, their API keys, and platform users. */
export const tenantRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { access } = fastify;
  const tenancy = fastify.catalog.tenancy;

  app.post(
    '/admin/tenants',
    {
      schema: {
        tags: ['tenants'],
        summary: 'Create a tenant (platform admin)',
        operationId: 'createTenant',
        body: CreateTenantBodySchema,
        response: withErrors({ 201: TenantSchema }, [401, 403, 409, 422]),
      },
    },
    async (request, reply) => {
      access.platformAdmin(request, 'create tenants');
      return reply.code(201).send(tenancy.createTenant(request.body.id, request.body.name, request.body.quotas ?? {}));
    },
  );

  app.get(
    '/admin/tenants',
    {
      schema: {
        tags: ['tenants'],
        summary: 'The tenants the caller belongs to (every tenant for the platform admin)',
        operationId: 'listTenants',
        response: withErrors({ 200: Type.Array(TenantSchema) }, [401]),
      },
    },
    async (request) => tenancy.tenants().filter((t) => access.canSeeTenant(request, t.id)),
  );

  app.get(
    '/admin/tenants/:tenant',
    {
      schema: {
        tags: ['tenants'],
        summary: 'One tenant with its quotas',
        operationId: 'getTenant',
        params: TenantParamsSchema,
        response: withErrors({ 200: TenantSchema }, [401, 404, 422]),
      },
    },
    async (request) => access.tenant(request, request.params.tenant, 'see'),
  );

  app.patch(
    '/admin/tenants/:tenant',
    {
      schema: {
        tags: ['tenants'],
        summary: "Rename a tenant (owners), or change its quotas (platform admin)",
        operationId: 'updateTenant',
        params: TenantParamsSchema,
        body: UpdateTenantBodySchema,
        response: withErrors({ 200: TenantSchema }, [401, 403, 404, 422]),
      },
    },
    async (request) => {
      const tenant = access.tenant(request, request.params.tenant, 'members');
      if (request.body.quotas !== undefined) access.platformAdmin(request, "change a tenant's quotas");
      const updated = tenancy.updateTenant(tenant.id, { name: request.body.name, quotas: request.body.quotas });
      if (updated.quotas.max_database_bytes !== tenant.quotas.max_database_bytes) await fastify.databases.applyTenantQuotas(tenant.id);
      return updated;
    },
  );

  app.delete(
    '/admin/tenants/:tenant',
    {
      schema: {
        tags: ['tenants'],
        summary: 'Delete a tenant that owns no database (platform admin)',
        operationId: 'deleteTenant',
        params: TenantParamsSchema,
        response: withErrors({ 200: MessageReplySchema }, [401, 403, 404, 409, 422]),
      },
    },
    async (request) => {
      access.tenant(request, request.params.tenant, 'see');
      access.platformAdmin(request, 'delete tenants');
      tenancy.deleteTenant(request.params.tenant);
      return { message: `Tenant '${request.params.tenant}' deleted.` };
    },
  );

  app.get(
    '/admin/tenants/:tenant/members',
    {
      schema: {
        tags: ['tenants'],
        summary: "The tenant's members and their roles",
        operationId: 'listMembers',
        params: TenantParamsSchema,
        response: withErrors({ 200: Type.Array(MemberSchema) }, [401, 404, 422]),
      },
    },
    async (request) => tenancy.members(access.tenant(request, request.params.tenant, 'see').id),
  );

  app.put(
    '/admin/tenants/:tenant/members',
    {
      schema: {
        tags: ['tenants'],
        summary: 'Add a member or change their role (owners)',
        description:
          'The account with this email joins the tenant with the role, or changes role. With a password (platform admin ' +
          'only), a new account is created; a password for an email that has an account is refused (409).',
        operationId: 'putMember',
        params: TenantParamsSchema,
        body: PutMemberBodySchema,
        response: withErrors({ 200: MemberSchema, 201: MemberSchema }, [401, 403, 404, 409, 422]),
      },
    },
    async (request, reply) => {
      const tenant = access.tenant(request, request.params.tenant, 'members');
      const email = request.body.email.trim().toLowerCase();
      let user = tenancy.userByEmail(email);
      let created = false;
      if (request.body.password !== undefined) {
        // Creating an account decides its password, so only the platform admin does it: an owner who could create one
        // for any email would hold the password of whoever is later added by that email elsewhere.
        if (!access.isPlatformAdmin(request)) {
          throw new DbForgeError('FORBIDDEN', 'Only the platform admin creates accounts: add an existing account by its email, without a password.');
        }
        if (user !== undefined) {
          throw new DbForgeError('CONFLICT', `An account with the email ${email} exists: add it without a password (its password is its own).`);
        }
        user = tenancy.createUser(email, await hashPassword(request.body.password));
        created = true;
      } else if (user === undefined) {
        throw new DbForgeError('NOT_FOUND', `No account has the email ${email}: the platform admin creates it (POST /admin/users).`);
      }
      const current = tenancy.members(tenant.id).find((m) => m.user_id === user.id);
      if (current?.role === 'owner' && request.body.role !== 'owner' && tenancy.members(tenant.id).filter((m) => m.role === 'owner').length === 1) {
        throw new DbForgeError('CONFLICT', "This is the tenant's last owner; make someone else an owner first.");
      }
      const member = tenancy.setMember(tenant.id, user.id, request.body.role);
      return reply.code(created || current === undefined ? 201 : 200).send(member);
    },
  );

  app.delete(
    '/admin/tenants/:tenant/members/:user',
    {
      schema: {
        tags: ['tenants'],
        summary: 'Remove a member (owners)',
        operationId: 'removeMember',
        params: MemberParamsSchema,
        response: withErrors({ 200: MessageReplySchema }, [401, 403, 404, 409, 422]),
      },
    },
    async (request) => {
      const tenant = access.tenant(request, request.params.tenant, 'members');
      tenancy.removeMember(tenant.id, request.params.user);
      return { message: 'Member removed.' };
    },
  );

  app.get(
    '/admin/tenants/:tenant/keys',
    {
      schema: {
        tags: ['tenants'],
        summary: "The tenant's API keys, without their secrets",
        operationId: 'listKeys',
        params: TenantParamsSchema,
        querystring: Type.Object({ database: Type.Optional(Type.String({ maxLength: 63 })) }),
        response: withErrors({ 200: Type.Array(ApiKeySchema) }, [401, 403, 404, 422]),
      },
    },
    async (request) => tenancy.listKeys(access.tenant(request, request.params.tenant, 'keys').id, request.query.database),
  );

  app.post(
    '/admin/tenants/:tenant/keys',
    {
      schema: {
        tags: ['tenants'],
        summary: 'Create an API key for the tenant or one of its databases',
        description: 'The key is in the reply and nowhere else: it is stored hashed. `Authorization: Bearer` and `X-API-Key` both carry it.',
        operationId: 'createKey',
        params: TenantParamsSchema,
        body: CreateKeyBodySchema,
        response: withErrors({ 201: CreatedKeySchema }, [401, 403, 404, 422]),
      },
    },
    async (request, reply) => {
      const tenant = access.tenant(request, request.params.tenant, 'keys');
      const identity = access.identity(request);
      if (!mayGrant(identity, request.body.scope)) throw new DbForgeError('FORBIDDEN', 'A key can only create keys with no more power than its own.');
      const database = request.body.database ?? null;
      if (database !== null && fastify.catalog.get(database)?.tenantId !== tenant.id) throw new DbForgeError('NOT_FOUND', 'Database not found.');
      const expiresAt = request.body.expires_at === undefined ? null : new Date(request.body.expires_at).toISOString();
      if (expiresAt !== null && Date.parse(expiresAt) <= Date.now()) {
        throw new DbForgeError('VALIDATION_ERROR', 'Invalid request: body.expires_at must be in the future.', {
          details: [{ field: 'body.expires_at', message: 'must be in the future' }],
        });
      }
      // Nor does it outlive its creator: a key that expires can't make one that lasts longer.
      const parentExpiry = identity.kind === 'key' ? (identity.expiresAt ?? null) : null;
      if (parentExpiry !== null && (expiresAt === null || Date.parse(expiresAt) > Date.parse(parentExpiry))) {
        throw new DbForgeError('FORBIDDEN', `This key expires at ${parentExpiry}: the keys it creates must expire no later (set expires_at).`);
      }
      const created = tenancy.createKey({
        tenantId: tenant.id,
        database,
        scope: request.body.scope,
        name: request.body.name,
        expiresAt,
        createdBy: actorId(identity),
      });
      return reply.code(201).send(created);
    },
  );

  app.delete(
    '/admin/tenants/:tenant/keys/:key',
    {
      schema: {
        tags: ['tenants'],
        summary: 'Revoke an API key',
        operationId: 'revokeKey',
        params: KeyParamsSchema,
        response: withErrors({ 200: ApiKeySchema }, [401, 403, 404, 422]),
      },
    },
    async (request) => {
      const tenant = access.tenant(request, request.params.tenant, 'keys');
      const key = tenancy.key(request.params.key);
      if (key === undefined || key.tenant_id !== tenant.id) throw new DbForgeError('NOT_FOUND', 'API key not found.');
      return tenancy.revokeKey(key.id);
    },
  );

  app.post(
    '/admin/users',
    {
      schema: {
        tags: ['tenants'],
        summary: 'Create a platform user (platform admin)',
        operationId: 'createUser',
        body: CreateUserBodySchema,
        response: withErrors({ 201: UserSchema }, [401, 403, 409, 422]),
      },
    },
    async (request, reply) => {
      access.platformAdmin(request, 'create users');
      const user = tenancy.createUser(request.body.email.trim().toLowerCase(), await hashPassword(request.body.password), request.body.platform_admin ?? false);
      return reply.code(201).send(user);
    },
  );
};
