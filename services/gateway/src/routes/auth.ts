import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  ChangePasswordBodySchema,
  DbForgeError,
  LoginBodySchema,
  RefreshBodySchema,
  TokensSchema,
  WhoAmISchema,
  withErrors,
  type TokensReply,
  type WhoAmI,
} from '@dbforge/contracts';
import { SignInThrottle } from '@dbforge/server-kit';
import { hashPassword, verifyPassword } from '../tenancy/secrets.js';
import type { User } from '../tenancy/store.js';

export interface AuthRoutesOptions {
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  throttle?: SignInThrottle;
}

/** One answer for a wrong password and for an account that does not exist: same status, same words, same time. */
const WRONG = 'Invalid email or password.';

/** Platform sign-in: email and password for an access token (short-lived) and a refresh token (revocable). */
export const authRoutes: FastifyPluginAsync<AuthRoutesOptions> = async (fastify, options) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const tenancy = fastify.catalog.tenancy;
  const throttle = options.throttle ?? new SignInThrottle();

  function tokens(user: User): TokensReply {
    const refresh = tenancy.issueRefreshToken(user.id, options.refreshTokenTtlSeconds * 1000);
    return {
      access_token: fastify.signAccessToken({ sub: user.id, email: user.email, typ: 'access' }),
      token_type: 'Bearer',
      expires_in: options.accessTokenTtlSeconds,
      refresh_token: refresh.token,
      refresh_expires_at: refresh.expiresAt,
    };
  }

  app.post(
    '/auth/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Sign in with email and password',
        description:
          'Answers an access token (send it as `Authorization: Bearer`) and a refresh token. Repeated failures slow ' +
          'down and then lock sign-in for the account and for the address (429 with Retry-After), whether or not the ' +
          'account exists.',
        operationId: 'login',
        security: [],
        body: LoginBodySchema,
        response: withErrors({ 200: TokensSchema }, [401, 422, 429]),
      },
    },
    async (request) => {
      const email = request.body.email.trim().toLowerCase();
      const wait = throttle.attempt(email, request.ip);
      if (wait > 0) {
        throw new DbForgeError('RATE_LIMITED', `Too many failed sign-ins; try again in ${wait} s.`, { details: { retry_after_seconds: wait } });
      }
      const found = tenancy.credentials(email);
      if (!(await verifyPassword(found?.passwordHash, request.body.password)) || found === undefined) {
        throw new DbForgeError('UNAUTHORIZED', WRONG);
      }
      throttle.succeeded(email, request.ip);
      return tokens(found.user);
    },
  );

  app.post(
    '/auth/refresh',
    {
      schema: {
        tags: ['auth'],
        summary: 'Exchange a refresh token for a new pair of tokens',
        description: 'Each refresh token works once; the reply carries its successor.',
        operationId: 'refreshTokens',
        security: [],
        body: RefreshBodySchema,
        response: withErrors({ 200: TokensSchema }, [401, 422]),
      },
    },
    async (request) => {
      const user = tenancy.consumeRefreshToken(request.body.refresh_token);
      if (!user) throw new DbForgeError('UNAUTHORIZED', 'Invalid or expired refresh token: sign in again.');
      return tokens(user);
    },
  );

  app.post(
    '/auth/logout',
    {
      schema: {
        tags: ['auth'],
        summary: 'Revoke a refresh token',
        operationId: 'logout',
        security: [],
        body: RefreshBodySchema,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      // The same answer whether or not the token was valid: logging out never tells anything.
      tenancy.revokeRefreshToken(request.body.refresh_token);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/auth/me',
    {
      schema: {
        tags: ['auth'],
        summary: 'Who the credential belongs to, and its tenants',
        operationId: 'whoAmI',
        response: withErrors({ 200: WhoAmISchema }, [401]),
      },
    },
    async (request): Promise<WhoAmI> => {
      const identity = fastify.access.identity(request);
      switch (identity.kind) {
        case 'admin':
          return { kind: 'admin', id: 'admin', platform_admin: true, tenants: tenancy.tenants().map((t) => ({ id: t.id, role: 'owner' })) };
        case 'user':
          return {
            kind: 'user',
            id: identity.userId,
            email: identity.email,
            platform_admin: identity.platformAdmin,
            tenants: [...identity.roles].map(([id, role]) => ({ id, role })),
          };
        case 'key':
          return {
            kind: 'key',
            id: identity.keyId,
            platform_admin: false,
            tenants: [{ id: identity.tenantId, role: identity.scope }],
            database: identity.database,
          };
      }
    },
  );

  app.post(
    '/auth/password',
    {
      schema: {
        tags: ['auth'],
        summary: 'Change your password (signs you out everywhere else)',
        operationId: 'changePassword',
        body: ChangePasswordBodySchema,
        response: withErrors({ 204: Type.Null() }, [401, 403, 422]),
      },
    },
    async (request, reply) => {
      const identity = fastify.access.identity(request);
      if (identity.kind !== 'user') throw new DbForgeError('FORBIDDEN', 'Only a signed-in user has a password to change.');
      // Guessing the current password with a stolen access token is throttled like signing in.
      const wait = throttle.attempt(identity.email, request.ip);
      if (wait > 0) throw new DbForgeError('RATE_LIMITED', `Too many failed attempts; try again in ${wait} s.`, { details: { retry_after_seconds: wait } });
      const found = tenancy.credentials(identity.email);
      if (!found || !(await verifyPassword(found.passwordHash, request.body.current_password))) {
        throw new DbForgeError('UNAUTHORIZED', 'The current password is wrong.');
      }
      throttle.succeeded(identity.email, request.ip);
      tenancy.setPassword(identity.userId, await hashPassword(request.body.new_password));
      tenancy.revokeAllRefreshTokens(identity.userId);
      return reply.code(204).send(null);
    },
  );
};
