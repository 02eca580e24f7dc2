import type { FastifyInstance, FastifyRequest } from 'fastify';
import { presentedKey } from '../plugins/auth.js';

/**
 * Keeps checking, while a long-lived stream is open (a realtime WebSocket, Server-Sent Events), that its platform
 * caller may still read the database: a key revoked or expired, a member removed from the tenant, an access token past
 * its expiry, or the database gone ends the stream (`lost` is called once), as it would refuse the next request.
 * A database's own end users are the worker's to check. Answers a function that stops the checks.
 */
export function watchStreamAccess(app: FastifyInstance, request: FastifyRequest, name: string, everyMs: number, lost: () => void): () => void {
  const credential = request.identity === null ? undefined : presentedKey(request.headers);
  if (credential === undefined) return () => undefined;
  let stopped = false;
  const stop = () => {
    stopped = true;
    clearInterval(timer);
  };
  const timer = setInterval(() => {
    void app.identifyCredential(credential).then(
      (identity) => {
        if (stopped || (identity !== undefined && app.access.canRead(identity, name))) return;
        stop();
        lost();
      },
      (error: unknown) => request.log.warn({ err: error }, 'checking a stream caller failed'),
    );
  }, everyMs);
  timer.unref();
  return stop;
}
