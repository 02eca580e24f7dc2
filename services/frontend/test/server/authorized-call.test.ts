import type { TokensReply } from '@dbforge/contracts';
import { describe, expect, it } from 'vitest';
import { authorizedCall, type SessionHandle } from '@/server/authorized-call';
import type { SessionData, UserTokens } from '@/server/credentials';
import type { RefreshOutcome } from '@/server/token-refresher';

const NOW = Date.parse('2026-11-23T12:00:00Z');

function tokens(n: number, expiresAt: number): UserTokens {
  return { email: 'ada@example.com', accessToken: `access-${n}`, accessExpiresAt: expiresAt, refreshToken: `refresh-${n}`, refreshExpiresAt: 'later' };
}

function reply(n: number): TokensReply {
  return { access_token: `access-${n}`, token_type: 'Bearer', expires_in: 900, refresh_token: `refresh-${n}`, refresh_expires_at: 'later' };
}

/** A session as the route handler gives it, recording what happened to the cookie. */
function session(data: SessionData) {
  const events: string[] = [];
  const handle: SessionHandle = {
    data: structuredClone(data),
    save: async () => {
      events.push(`save ${handle.data.user?.accessToken ?? handle.data.apiKey}`);
    },
    destroy: () => {
      events.push('destroy');
      handle.data = {};
    },
  };
  return { handle, events };
}

interface Row {
  what: string;
  data: SessionData;
  /** The gateway's status for each credential it receives. */
  gateway: Record<string, number>;
  /** The gateway's answer to each refresh token. */
  refresh?: Record<string, RefreshOutcome>;
  status: number | null;
  sent: string[];
  refreshed: string[];
  cookie: string[];
}

const fresh = tokens(1, NOW + 600_000);
const stale = tokens(1, NOW + 5_000);

describe('a gateway call with the session’s credential', () => {
  it.each<Row>([
    {
      what: 'an API key the gateway takes',
      data: { apiKey: 'k', signedInAt: NOW },
      gateway: { 'x-api-key k': 200 },
      status: 200,
      sent: ['x-api-key k'],
      refreshed: [],
      cookie: [],
    },
    {
      what: 'an API key the gateway refuses ends the session',
      data: { apiKey: 'k', signedInAt: NOW },
      gateway: { 'x-api-key k': 401 },
      status: 401,
      sent: ['x-api-key k'],
      refreshed: [],
      cookie: ['destroy'],
    },
    {
      what: 'a fresh access token goes as it is',
      data: { user: fresh, signedInAt: NOW },
      gateway: { 'Bearer access-1': 200 },
      status: 200,
      sent: ['Bearer access-1'],
      refreshed: [],
      cookie: [],
    },
    {
      what: 'a token about to expire is refreshed first, and the new pair written',
      data: { user: stale, signedInAt: NOW },
      gateway: { 'Bearer access-2': 200 },
      refresh: { 'refresh-1': { ok: true, tokens: reply(2) } },
      status: 200,
      sent: ['Bearer access-2'],
      refreshed: ['refresh-1'],
      cookie: ['save access-2'],
    },
    {
      what: 'a token the gateway refuses is refreshed once and the call sent again',
      data: { user: fresh, signedInAt: NOW },
      gateway: { 'Bearer access-1': 401, 'Bearer access-2': 201 },
      refresh: { 'refresh-1': { ok: true, tokens: reply(2) } },
      status: 201,
      sent: ['Bearer access-1', 'Bearer access-2'],
      refreshed: ['refresh-1'],
      cookie: ['save access-2'],
    },
    {
      what: 'a new token the gateway refuses too ends the session, with the gateway’s reply',
      data: { user: fresh, signedInAt: NOW },
      gateway: { 'Bearer access-1': 401, 'Bearer access-2': 401 },
      refresh: { 'refresh-1': { ok: true, tokens: reply(2) } },
      status: 401,
      sent: ['Bearer access-1', 'Bearer access-2'],
      refreshed: ['refresh-1'],
      cookie: ['save access-2', 'destroy'],
    },
    {
      what: 'a token just refreshed is not refreshed again when refused',
      data: { user: stale, signedInAt: NOW },
      gateway: { 'Bearer access-2': 401 },
      refresh: { 'refresh-1': { ok: true, tokens: reply(2) } },
      status: 401,
      sent: ['Bearer access-2'],
      refreshed: ['refresh-1'],
      cookie: ['save access-2', 'destroy'],
    },
    {
      what: 'a refused refresh token ends the session without calling the gateway',
      data: { user: stale, signedInAt: NOW },
      gateway: {},
      refresh: { 'refresh-1': { ok: false } },
      status: null,
      sent: [],
      refreshed: ['refresh-1'],
      cookie: ['destroy'],
    },
    {
      what: 'a session past its twelve hours ends without calling the gateway',
      data: { user: fresh, signedInAt: NOW - 12 * 3_600_000 },
      gateway: {},
      status: null,
      sent: [],
      refreshed: [],
      cookie: ['destroy'],
    },
    {
      what: 'a gateway error other than 401 is answered as it came',
      data: { user: fresh, signedInAt: NOW },
      gateway: { 'Bearer access-1': 403 },
      status: 403,
      sent: ['Bearer access-1'],
      refreshed: [],
      cookie: [],
    },
  ])('$what', async (row) => {
    const { handle, events } = session(row.data);
    const sent: string[] = [];
    const refreshed: string[] = [];
    const result = await authorizedCall(
      handle,
      async (headers) => {
        const credential = headers['x-api-key'] !== undefined ? `x-api-key ${headers['x-api-key']}` : headers.authorization!;
        sent.push(credential);
        return new Response(JSON.stringify({ credential }), { status: row.gateway[credential] ?? 500 });
      },
      {
        refresher: {
          refresh: async (token) => {
            refreshed.push(token);
            return row.refresh?.[token] ?? { ok: false };
          },
        },
        now: () => NOW,
      },
    );
    expect(result?.status ?? null).toBe(row.status);
    expect(sent).toEqual(row.sent);
    expect(refreshed).toEqual(row.refreshed);
    expect(events).toEqual(row.cookie);
  });

  it('keeps the email and reckons the new expiry from the gateway’s expires_in', async () => {
    const { handle } = session({ user: stale, signedInAt: NOW });
    await authorizedCall(handle, async () => new Response(null, { status: 204 }), {
      refresher: { refresh: async () => ({ ok: true, tokens: reply(2) }) },
      now: () => NOW,
    });
    expect(handle.data.user).toEqual({ ...tokens(2, NOW + 900_000), refreshExpiresAt: 'later' });
    expect(handle.data.signedInAt).toBe(NOW);
  });

  it('lets a failure to reach the gateway for a refresh through, and keeps the session', async () => {
    const { handle, events } = session({ user: stale, signedInAt: NOW });
    await expect(
      authorizedCall(handle, async () => new Response(null), {
        refresher: { refresh: async () => Promise.reject(new Error('ECONNREFUSED')) },
        now: () => NOW,
      }),
    ).rejects.toThrow('ECONNREFUSED');
    expect(events).toEqual([]);
  });
});
