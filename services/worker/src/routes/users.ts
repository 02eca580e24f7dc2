import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  DatabaseParamsSchema,
  DbChangePasswordBodySchema,
  DbCredentialsSchema,
  DbForgeError,
  DbSessionSchema,
  Errors,
  DbUserListSchema,
  DbUserParamsSchema,
  DbUserSchema,
  SetDbUserRolesBodySchema,
  WorkerHeaders,
} from '@dbforge/contracts';
import type { DatabaseUsers } from '@dbforge/engine';
import { SignInThrottle } from '@dbforge/server-kit';
import { actorOf, bearerToken } from '../request-context.js';

export interface UserRoutesOptions {
  users: DatabaseUsers;
}


const WRONG = 'Invalid email or password.';

/** Refuses anyone but the database's administrators (platform callers). */
function requirePlatform(request: FastifyRequest): void {
  const actor = actorOf(request);
  if (actor.kind === 'anonymous') throw Errors.missingApiKey();
  if (actor.kind !== 'platform') throw new DbForgeError('FORBIDDEN', "Only the database's administrators (platform keys and members) may manage its users.");
}

/**
 * A database's own users: sign-up, sign-in (a token for this database only), sign-out, who am I, password change;
 * and, for the platform's callers, listing users and setting their roles.
 */
export const userRoutes: FastifyPluginAsync<UserRoutesOptions> = async (fastify, { users }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const throttle = new SignInThrottle();

  const session = (user: { id: string; email: string; roles: string[]; created_at: string }, token: { token: string; expires_at: string }) => ({
    access_token: token.token,
    token_type: 'Bearer' as const,
    expires_at: token.expires_at,
    user,
  });

  app.post('/api/db/:name/auth/signup', { schema: { params: DatabaseParamsSchema, body: DbCredentialsSchema, response: { 201: DbSessionSchema } } }, async (request, reply) => {
    const user = await users.signup(request.body.email, request.body.password);
    const signedIn = await users.login(request.body.email, request.body.password);
    return reply.code(201).send(session(user, signedIn!.session));
  });

  app.post('/api/db/:name/auth/login', { schema: { params: DatabaseParamsSchema, body: DbCredentialsSchema, response: { 200: DbSessionSchema } } }, async (request) => {
    const email = request.body.email.trim().toLowerCase();
    const address = String(request.headers[WorkerHeaders.clientAddress] ?? request.ip);
    const wait = throttle.attempt(email, address);
    if (wait > 0) throw new DbForgeError('RATE_LIMITED', `Too many failed sign-ins; try again in ${wait} s.`, { details: { retry_after_seconds: wait } });
    const signedIn = await users.login(email, request.body.password);
    if (!signedIn) throw new DbForgeError('UNAUTHORIZED', WRONG);
    throttle.succeeded(email, address);
    return session(signedIn.user, signedIn.session);
  });

  app.post('/api/db/:name/auth/logout', { schema: { params: DatabaseParamsSchema } }, async (request, reply) => {
    const token = bearerToken(request);
    if (token !== undefined) await users.logout(token);
    return reply.code(204).send();
  });

  app.get('/api/db/:name/auth/me', { schema: { params: DatabaseParamsSchema, response: { 200: DbUserSchema } } }, async (request) => {
    const actor = actorOf(request);
    if (actor.kind !== 'user') throw new DbForgeError('UNAUTHORIZED', 'Sign in to this database first (POST .../auth/login).');
    const user = (await users.list()).find((u) => u.id === actor.id);
    if (!user) throw new DbForgeError('UNAUTHORIZED', 'Sign in to this database first (POST .../auth/login).');
    return user;
  });

  app.post(
    '/api/db/:name/auth/password',
    {
      schema: {
        params: DatabaseParamsSchema,
        body: DbChangePasswordBodySchema,
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const token = bearerToken(request);
      if (actor.kind !== 'user' || token === undefined) throw new DbForgeError('UNAUTHORIZED', 'Sign in to this database first (POST .../auth/login).');
      // Guessing the current password with a stolen token is throttled like signing in.
      const address = String(request.headers[WorkerHeaders.clientAddress] ?? request.ip);
      const wait = throttle.attempt(`user:${actor.id}`, address);
      if (wait > 0) throw new DbForgeError('RATE_LIMITED', `Too many failed attempts; try again in ${wait} s.`, { details: { retry_after_seconds: wait } });
      await users.changePassword(actor.id, request.body.current_password, request.body.new_password, token);
      throttle.succeeded(`user:${actor.id}`, address);
      return reply.code(204).send();
    },
  );

  app.get('/api/db/:name/auth/users', { schema: { params: DatabaseParamsSchema, response: { 200: DbUserListSchema } } }, async (request) => {
    requirePlatform(request);
    return { data: await users.list() };
  });

  app.patch(
    '/api/db/:name/auth/users/:user',
    {
      schema: {
        params: DbUserParamsSchema,
        body: SetDbUserRolesBodySchema,
        response: { 200: DbUserSchema },
      },
    },
    async (request) => {
      requirePlatform(request);
      return users.setRoles(request.params.user, [...new Set(request.body.roles)]);
    },
  );

  app.delete('/api/db/:name/auth/users/:user', { schema: { params: DbUserParamsSchema } }, async (request, reply) => {
    requirePlatform(request);
    await users.remove(request.params.user);
    return reply.code(204).send();
  });
};
