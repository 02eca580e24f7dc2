import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { OutboxAckBodySchema, OutboxFailBodySchema, OutboxQuerySchema, WORKER_OUTBOX_PATH } from '@dbforge/contracts';

/**
 * The after-hook outbox, for the gateway only (`/_worker/` paths are never forwarded from clients): the deliveries
 * that are due, acknowledgements of delivered ones, and failures with the time of the next attempt.
 */
export const outboxRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const engine = fastify.resources;

  app.get(WORKER_OUTBOX_PATH, { schema: { hide: true, querystring: OutboxQuerySchema } }, async (request) => ({
    deliveries: await engine.outboxDue(request.query.limit ?? 100),
  }));

  app.post(`${WORKER_OUTBOX_PATH}/ack`, { schema: { hide: true, body: OutboxAckBodySchema } }, async (request) => ({
    acknowledged: await engine.outboxAck(request.body.ids),
  }));

  app.post(`${WORKER_OUTBOX_PATH}/fail`, { schema: { hide: true, body: OutboxFailBodySchema } }, async (request) => ({
    updated: await engine.outboxFail(request.body.id, request.body.error, request.body.retry_at, request.body.dead),
  }));
};
