// Liveness of the console's server, for container health checks. Says nothing about the gateway or the session.
export const dynamic = 'force-dynamic';

export function GET(): Response {
  return Response.json({ status: 'ok' });
}
