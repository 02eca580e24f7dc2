import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { DbForgeError } from '@dbforge/contracts';

/** A JSON request body: blank is no body (undefined); anything else must parse, or it is a 400 that says why. */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new DbForgeError('BAD_REQUEST', `The request body is not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * JSON bodies, where an empty body counts as no body: DB-Forge MK1 clients send `Content-Type: application/json` on
 * every request, with or without a body (spawn and prune have none).
 */
export const jsonBodyPlugin = fp(
  async (app: FastifyInstance) => {
    // JSON only: Fastify's text/plain parser would turn a text body into a string that fails validation as a 422,
    // where the honest answer is 415.
    app.removeAllContentTypeParsers();
    // The media type may carry parameters (`application/json; charset=utf-8`, as many clients send it).
    app.addContentTypeParser(/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i, { parseAs: 'string' }, (_request, body, done) => {
      try {
        done(null, parseJsonBody(typeof body === 'string' ? body : body.toString('utf8')));
      } catch (error) {
        done(error as Error, undefined);
      }
    });
  },
  { name: 'dbforge-json-body', fastify: '5.x' },
);
