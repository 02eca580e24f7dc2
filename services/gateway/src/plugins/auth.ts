import fp from 'fastify-plugin';
import { Errors } from '@dbforge/contracts';
import { AdminKeyStore, type AdminKeySource } from '../auth/admin-key.js';

export interface AuthPluginOptions extends AdminKeySource {
  /** /metrics needs a key unless this is set. */
  metricsPublic: boolean;
  /** Receives a key generated on first start, to be shown once. */
  onGeneratedKey?: (key: string, file: string) => void;
}

/** Who is calling. The foundation knows one identity, the platform admin; tenants and roles come later. */
export interface Identity {
  kind: 'admin';
}

declare module 'fastify' {
  interface FastifyRequest {
    identity: Identity | null;
  }
}

const PROTECTED = /^\/(?:admin|api)(?:[/?#]|$)/;
const METRICS = /^\/metrics(?:[?#]|$)/;

/** The key from `X-API-Key` (DB-Forge MK1) or `Authorization: Bearer`. */
export function presentedKey(headers: Record<string, string | string[] | undefined>): string | undefined {
  const header = headers['x-api-key'];
  if (typeof header === 'string' && header.length > 0) return header;
  const authorization = headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match) return match[1];
  }
  return undefined;
}

export const authPlugin = fp(
  async (app, options: AuthPluginOptions) => {
    const loaded = await AdminKeyStore.load(options);
    if (loaded.generatedKey !== undefined) options.onGeneratedKey?.(loaded.generatedKey, `${options.secretsDir}/admin-key.json`);
    app.log.info({ origin: loaded.origin }, 'admin key loaded');
    const keys = loaded.store;

    app.decorateRequest('identity', null);
    app.addHook('onRequest', async (request) => {
      const url = request.url;
      if (!PROTECTED.test(url) && !(METRICS.test(url) && !options.metricsPublic)) return;
      const key = presentedKey(request.headers);
      if (key === undefined) throw Errors.missingApiKey();
      if (!(await keys.verify(key))) throw Errors.invalidApiKey();
      request.identity = { kind: 'admin' };
    });
  },
  { name: 'dbforge-auth', fastify: '5.x' },
);
