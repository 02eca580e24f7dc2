import 'server-only';
import type { ErrorCode } from '@dbforge/contracts';

/** The console's own failures: the gateway's catalogue plus the one thing only the console can tell. */
export type ConsoleErrorCode = ErrorCode | 'GATEWAY_UNREACHABLE';

/** An error reply in the project's envelope, so the browser handles the console's errors and the gateway's alike. */
export function errorReply(status: number, code: ConsoleErrorCode, message: string): Response {
  return Response.json(
    { error: { code, message, status }, detail: message },
    { status, headers: { 'cache-control': 'no-store' } },
  );
}

export const Replies = {
  notSignedIn: () => errorReply(401, 'UNAUTHORIZED', 'Sign in to continue.'),
  sessionEnded: () => errorReply(401, 'UNAUTHORIZED', 'Your session has ended: sign in again.'),
  crossSite: () => errorReply(403, 'FORBIDDEN', 'Cross-site requests are refused.'),
  notForwarded: () => errorReply(404, 'NOT_FOUND', 'The console forwards only /admin/..., /api/db/... and GET /auth/me calls.'),
  gatewayUnreachable: () =>
    errorReply(502, 'GATEWAY_UNREACHABLE', 'The gateway could not be reached. Check that it runs and that GATEWAY_URL points to it.'),
} as const;
