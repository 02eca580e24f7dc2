import fs from 'node:fs';
import path from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import { DbForgeError, WORKER_ASSIGN_PATH, WORKER_HEALTH_PATH, WorkerHeaders } from '@dbforge/contracts';
import { errorHandlerPlugin, jsonBodyPlugin, sendError } from '@dbforge/server-kit';
import { ASSIGNABLE_ENV_KEYS } from './config.js';
import { sameSecret } from './request-context.js';

/** The database a pooled worker is given: the variables it would otherwise have started with (the assignable ones). */
export const AssignBodySchema = Type.Object(
  {
    // Any key is accepted by the schema and checked by the handler: an unknown one (the secret, where to listen) is
    // refused outright, never silently dropped.
    env: Type.Record(Type.String(), Type.String({ maxLength: 4096 })),
  },
  { additionalProperties: false },
);
const ASSIGNABLE = new Set<string>(ASSIGNABLE_ENV_KEYS);
export type AssignBody = Static<typeof AssignBodySchema>;

export const AssignReplySchema = Type.Object({ status: Type.Literal('ok'), name: Type.String() });

export const PooledHealthSchema = Type.Object({
  status: Type.Literal('pooled'),
  pid: Type.Integer(),
  uptime_seconds: Type.Integer(),
});

export interface PoolAppOptions {
  /** Only requests that carry this secret are served: the gateway that started the worker is the only caller. */
  secret: string;
  /** Opens the database and hands the server over to its app; resolves once the database is served. */
  assign: (env: Record<string, string>) => Promise<{ name: string }>;
}

/**
 * A pooled worker before it has a database: it answers its health endpoint and its one assignment, both only with its
 * secret, and nothing else. The assignment happens once: from then on the database's own app serves, and this one is
 * gone.
 */
export const poolApp: FastifyPluginAsync<PoolAppOptions> = async (fastify, options) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const secret = Buffer.from(options.secret);
  const startedAt = Date.now();
  let assigning = false;

  await app.register(errorHandlerPlugin, { limits: { maxBodyBytes: 64 * 1024 } });
  await app.register(jsonBodyPlugin);

  app.addHook('onRequest', async (request) => {
    if (!sameSecret(request.headers[WorkerHeaders.secret], secret)) {
      throw new DbForgeError('UNAUTHORIZED', 'This worker only answers its gateway.');
    }
  });

  app.get(
    WORKER_HEALTH_PATH,
    { schema: { response: { 200: PooledHealthSchema } } },
    async () => ({ status: 'pooled' as const, pid: process.pid, uptime_seconds: Math.round((Date.now() - startedAt) / 1000) }),
  );

  app.post(
    WORKER_ASSIGN_PATH,
    {
      schema: {
        body: AssignBodySchema,
        response: { 200: AssignReplySchema },
      },
    },
    async (request) => {
      // Once: a second assignment, even after a failed first one, is refused (a failed one ends the worker).
      if (assigning) throw new DbForgeError('CONFLICT', 'This worker has already been assigned a database.');
      const refused = Object.keys(request.body.env).filter((key) => !ASSIGNABLE.has(key));
      if (refused.length > 0) throw new DbForgeError('BAD_REQUEST', `An assignment can't set ${refused.join(', ')}.`);
      assigning = true;
      const { name } = await options.assign(request.body.env);
      return { status: 'ok' as const, name };
    },
  );

  // Anything else, with the secret, is a request to a database this worker does not serve (yet).
  // (Answered, not thrown: it is no failure of the worker's, and not worth an error in its log.)
  app.all('/*', async (_request, reply) =>
    sendError(reply, new DbForgeError('WORKER_UNAVAILABLE', 'This worker has not been assigned a database yet.')),
  );
};

/** Written into a database's directory when a pooled worker is given it: whose data this is. */
export const OWNER_FILE = '.dbforge-owner';

/**
 * Binds a data directory to the database a pooled worker is given. A container's volume is fixed when it is created,
 * and a pooled container restarted later starts unassigned again: it may be given only the database its data belongs
 * to, never another.
 */
export function claimDataDir(dataDir: string, name: string): void {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, OWNER_FILE);
  let owner: string | undefined;
  try {
    owner = fs.readFileSync(file, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (owner === undefined) {
    fs.writeFileSync(file, `${name}\n`, { mode: 0o600 });
  } else if (owner !== name) {
    throw new DbForgeError('CONFLICT', `This worker's data belongs to another database; it serves only that one.`);
  }
}
