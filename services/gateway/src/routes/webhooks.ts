import crypto from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  DatabaseParamsSchema,
  DbForgeError,
  Errors,
  MessageReplySchema,
  PutWebhookBodySchema,
  PutWebhookReplySchema,
  WebhookListReplySchema,
  WebhookParamsSchema,
  withErrors,
  type WebhookInfo,
} from '@dbforge/contracts';
import type { WebhookRecord } from '../catalog/catalog.js';
import { checkWebhookUrl } from '../hooks/webhook-client.js';

function info(record: WebhookRecord): WebhookInfo {
  return { database: record.database, hook: record.hook, url: record.url, created_at: record.createdAt, updated_at: record.updatedAt };
}

/**
 * Webhooks of resource hooks, per database: a hook named under `hooks:` in a resource config calls the webhook
 * configured here under the same name. Secrets are written, never read back.
 */
export const webhookRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { catalog } = fastify;

  app.put(
    '/admin/databases/:name/webhooks/:hook',
    {
      schema: {
        tags: ['admin'],
        summary: 'Set the webhook of a hook (URL and signing secret)',
        description:
          'Before-hooks are called before a write commits and can veto it; after-hooks are delivered after the commit, ' +
          'retried with backoff. Every call is a JSON POST signed with `X-DBForge-Signature: sha256=<HMAC-SHA256 of the body>`. ' +
          'Without `secret` one is generated and answered this once.',
        operationId: 'putWebhook',
        params: WebhookParamsSchema,
        body: PutWebhookBodySchema,
        response: withErrors({ 200: PutWebhookReplySchema, 201: PutWebhookReplySchema }, [400, 401, 404, 422]),
      },
    },
    async (request, reply) => {
      const { record } = fastify.access.database(request, request.params.name, 'manage');
      const problem = checkWebhookUrl(request.body.url);
      if (problem) throw Errors.validation([{ field: 'body.url', message: problem }]);
      const generated = request.body.secret === undefined ? crypto.randomBytes(32).toString('base64url') : undefined;
      const { record: webhook, created } = catalog.putWebhook(record.name, request.params.hook, request.body.url, request.body.secret ?? generated!);
      request.log.info({ db: record.name, hook: webhook.hook }, created ? 'webhook created' : 'webhook updated');
      return reply.code(created ? 201 : 200).send({ ...info(webhook), ...(generated ? { secret: generated } : {}) });
    },
  );

  app.get(
    '/admin/databases/:name/webhooks',
    {
      schema: {
        tags: ['admin'],
        summary: 'The webhooks of a database (never their secrets)',
        operationId: 'listWebhooks',
        params: DatabaseParamsSchema,
        response: withErrors({ 200: WebhookListReplySchema }, [400, 401, 404]),
      },
    },
    async (request) => {
      const { record } = fastify.access.database(request, request.params.name, 'manage');
      return { webhooks: catalog.listWebhooks(record.name).map(info) };
    },
  );

  app.delete(
    '/admin/databases/:name/webhooks/:hook',
    {
      schema: {
        tags: ['admin'],
        summary: 'Remove the webhook of a hook (the hook is skipped from then on)',
        operationId: 'deleteWebhook',
        params: WebhookParamsSchema,
        response: withErrors({ 200: MessageReplySchema }, [400, 401, 404]),
      },
    },
    async (request) => {
      const { record } = fastify.access.database(request, request.params.name, 'manage');
      if (!catalog.deleteWebhook(record.name, request.params.hook)) {
        throw new DbForgeError('NOT_FOUND', `No webhook for hook '${request.params.hook}' in database '${record.name}'.`);
      }
      return { message: `Webhook '${request.params.hook}' removed.` };
    },
  );
};
