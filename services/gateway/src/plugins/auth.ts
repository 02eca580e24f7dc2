import fp from 'fastify-plugin';
import jwt from '@fastify/jwt';
import type { IncomingMessage } from 'node:http';
import type { FastifyRequest } from 'fastify';
import { DbForgeError, Errors } from '@dbforge/contracts';
import { AdminKeyStore, type AdminKeySource } from '../auth/admin-key.js';
import { loadTokenSecret } from '../auth/token-secret.js';
import type { KnownCredentials } from '../auth/known-credentials.js';
import type { Identity } from '../tenancy/access.js';
import { parseApiKey } from '../tenancy/secrets.js';

export type { Identity } from '../tenancy/access.js';

/** Who a credential identifies (undefined: no one), at once or, when that takes waiting (argon2), as a promise. */
export type Verdict = Identity | undefined | Promise<Identity | undefined>;

export interface AuthPluginOptions extends AdminKeySource {
  /** /metrics needs the platform admin unless this is set. */
  metricsPublic: boolean;
  /** Signs access tokens; generated into the secrets directory when unset. */
  tokenSecret?: string | undefined;
  accessTokenTtlSeconds: number;
  /** Credentials that verified, so that rate limits count them per credential (others per address). */
  knownCredentials?: KnownCredentials | undefined;
  /** Receives a key generated on first start, to be shown once. */
  onGeneratedKey?: (key: string, file: string) => void;
}

/** The claims of a platform access token. */
export interface AccessTokenClaims {
  sub: string;
  email: string;
  typ: 'access';
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The platform identity of the caller; null for public routes and for a database's own end users. */
    identity: Identity | null;
  }
  interface FastifyInstance {
    /** Signs a platform access token for a user. */
    signAccessToken(claims: AccessTokenClaims): string;
    /** Who a platform credential identifies now (undefined: no one: revoked, expired, unknown). */
    identifyCredential(credential: string): Promise<Identity | undefined>;
    /**
     * Who a request's platform credential identifies, for the fast lane (forward/fast-lane.ts): at once, unless it is
     * an admin key not verified before (argon2 takes a while). A credential that verifies is remembered as real, as the
     * authentication hook does.
     */
    identifyRequest(credential: string): Verdict;
    /**
     * Keeps the lane's verdict with a request it hands on to Fastify, so that the authentication hook does not check
     * the credential again (a request the lane answers itself needs nothing kept).
     */
    keepVerdict(raw: IncomingMessage, credential: string, identity: Verdict): void;
  }
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: AccessTokenClaims;
  }
}

const PLATFORM = /^\/(?:admin|api)(?:\/|$)/;
const METRICS = /^\/metrics$/;
const ME = /^\/auth\/(?:me|password)$/;
/**
 * What a database serves to its own end users (an app's clients), below `/api/db/{name}/`: its resources, its user
 * accounts, its API document and the live changes of what they may read. Without a platform credential these go to
 * the worker as an end user, who may be anonymous; the worker has the exact list.
 */
const END_USER_PART = /^(?:resources|auth|openapi\.json|realtime|events\/stream)(?:\/|$)/;
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** The credential from `X-API-Key` (DB-Forge MK1) or `Authorization: Bearer`. */
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

/** A database's end-user token (issued by its worker), as opposed to a platform credential. */
export function isEndUserToken(credential: string): boolean {
  return credential.startsWith('dbu_');
}

/**
 * The path a request is judged by: the pattern of the route the router matched (`/api/db/:name/tables`), never the raw
 * URL, which percent-encoding (`/%61pi/...`) or the absolute form (`GET http://host/api/...`) can disguise while still
 * reaching the route. For a request no route matched, its decoded path.
 */
export function judgedPath(request: FastifyRequest): string {
  const pattern = request.routeOptions.url;
  if (pattern !== undefined) return pattern;
  try {
    return decodeURIComponent(new URL(request.url, 'http://gateway').pathname);
  } catch {
    return request.url;
  }
}

/** Whether a request is for a database's end-user routes (judged by its route, with the path below the database). */
export function isEndUserRoute(request: FastifyRequest): boolean {
  const pattern = request.routeOptions.url;
  if (pattern === undefined || !pattern.startsWith('/api/db/:name/')) return false;
  const rest = pattern === '/api/db/:name/*' ? String((request.params as Record<string, unknown>)['*'] ?? '') : pattern.slice('/api/db/:name/'.length);
  return END_USER_PART.test(rest);
}

/**
 * Who is calling. Platform credentials, in the order they are cheapest to check: tenant API keys (`dbf_<id>_<secret>`,
 * a digest comparison), access tokens of signed-in users (a signature), and the platform admin key (argon2id, then
 * remembered). A database's end users are authenticated by its worker.
 */
export const authPlugin = fp(
  async (app, options: AuthPluginOptions) => {
    const loaded = await AdminKeyStore.load(options);
    if (loaded.generatedKey !== undefined) options.onGeneratedKey?.(loaded.generatedKey, `${options.secretsDir}/admin-key.json`);
    app.log.info({ origin: loaded.origin }, 'admin key loaded');
    const adminKeys = loaded.store;
    const tenancy = app.catalog.tenancy;

    await app.register(jwt, {
      secret: loadTokenSecret(options.tokenSecret, options.secretsDir),
      sign: { expiresIn: options.accessTokenTtlSeconds, iss: 'dbforge' },
      // Only tokens this gateway signs: HS256, with an issuer, an expiry and a subject.
      verify: { allowedIss: 'dbforge', algorithms: ['HS256'], requiredClaims: ['iss', 'exp', 'sub'] },
    });
    app.decorate('signAccessToken', (claims: AccessTokenClaims) => app.jwt.sign(claims));

    /** Who a credential identifies: at once when no waiting is needed (every credential but an admin key not seen yet). */
    function identifyNow(credential: string): Verdict {
      const apiKey = parseApiKey(credential);
      if (apiKey) {
        const key = tenancy.verifyKey(apiKey.id, credential);
        return key ? { kind: 'key', keyId: key.id, tenantId: key.tenant_id, database: key.database, scope: key.scope, expiresAt: key.expires_at } : undefined;
      }
      if (JWT_SHAPE.test(credential)) {
        let claims: AccessTokenClaims;
        try {
          claims = app.jwt.verify<AccessTokenClaims>(credential);
        } catch {
          return undefined;
        }
        if (claims.typ !== 'access') return undefined;
        const user = tenancy.user(claims.sub);
        if (!user) return undefined;
        return { kind: 'user', userId: user.id, email: user.email, platformAdmin: user.platform_admin, roles: tenancy.roles(user.id) };
      }
      const admin = adminKeys.verifyNow(credential);
      if (admin !== undefined) return admin ? { kind: 'admin' } : undefined;
      return adminKeys.verify(credential).then((ok): Identity | undefined => (ok ? { kind: 'admin' } : undefined));
    }

    app.decorate('identifyCredential', async (credential: string) => identifyNow(credential));
    /** A request's identity; a credential that verifies is remembered as real (rate limits then count by it). */
    const remembered = (credential: string, identity: Identity | undefined) => {
      if (identity !== undefined) options.knownCredentials?.remember(credential);
      return identity;
    };
    const identifyOnce = (credential: string): Verdict => {
      try {
        const identity = identifyNow(credential);
        return identity instanceof Promise ? identity.then((found) => remembered(credential, found)) : remembered(credential, identity);
      } catch (error) {
        // A check that failed (the catalogue closing under a stopping gateway) fails as a promise, as it always did.
        return Promise.reject(error);
      }
    };
    // The fast lane's verdicts, kept for a request it hands to Fastify (whose hook below then does not check again).
    const verdicts = new WeakMap<IncomingMessage, { credential: string; identity: Verdict }>();
    app.decorate('identifyRequest', identifyOnce);
    app.decorate('keepVerdict', (raw: IncomingMessage, credential: string, identity: Verdict) => {
      verdicts.set(raw, { credential, identity });
    });
    app.decorateRequest('identity', null);
    app.addHook('onRequest', async (request: FastifyRequest) => {
      const path = judgedPath(request);
      const platform = PLATFORM.test(path) || (METRICS.test(path) && !options.metricsPublic) || ME.test(path);
      if (!platform) return;
      const credential = presentedKey(request.headers);
      const endUserRoute = isEndUserRoute(request);
      if (credential === undefined) {
        if (endUserRoute) return; // anonymous end user: the worker decides what they may do
        throw Errors.missingApiKey();
      }
      if (isEndUserToken(credential)) {
        if (endUserRoute) return; // the database's own end user: the worker checks the token
        throw new DbForgeError('UNAUTHORIZED', "A database's user token only works on that database's resources and auth routes.");
      }
      const known = verdicts.get(request.raw);
      const identity = await (known !== undefined && known.credential === credential ? known.identity : identifyOnce(credential));
      if (identity === undefined) {
        throw JWT_SHAPE.test(credential)
          ? new DbForgeError('UNAUTHORIZED', 'Invalid or expired access token: sign in again, or refresh it.')
          : Errors.invalidApiKey();
      }
      request.identity = identity;
    });
    // Failed authentication goes to the audit log (every 401 thrown before an identity was known).
    app.addHook('onError', async (request, _reply, error) => app.audit.authFailure(request, error));
  },
  { name: 'dbforge-auth', fastify: '5.x', dependencies: ['dbforge-catalog'] },
);
