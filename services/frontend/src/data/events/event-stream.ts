'use client';

import { useEffect, useRef, useState } from 'react';
import { GATEWAY_PROXY_PATH, seg } from '../fetcher';
import type { ChangeEvent } from './events-query';

/** Where a live stream is: connecting, receiving, reconnecting on its own after a drop, or stopped for good. */
export type StreamState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface StreamTarget {
  resource?: string | undefined;
  record?: string | undefined;
  /** Resume after this event: everything after it arrives first, with no gap and no repeat. */
  lastEventId?: number | undefined;
}

/**
 * The console's URL of the database's change stream (Server-Sent Events). It goes through the console's proxy like
 * every call, which adds the session's credential on the server: the browser's EventSource sends only the cookie.
 */
export function eventStreamUrl(database: string, target: StreamTarget = {}): string {
  const params = new URLSearchParams();
  if (target.resource) params.set('resource', target.resource);
  if (target.resource && target.record) params.set('record', target.record);
  if (target.lastEventId !== undefined) params.set('last_event_id', String(target.lastEventId));
  const search = params.size > 0 ? `?${params}` : '';
  return `${GATEWAY_PROXY_PATH}/api/db/${seg(database)}/events/stream${search}`;
}

export interface StreamHandlers {
  onEvent: (event: ChangeEvent) => void;
  /** The stream is connected (again): a caller that may have missed events meanwhile catches up here. */
  onOpen?: () => void;
  /** The stream ended for good (the proxy or the gateway refused it: the session may be gone). */
  onClosed?: () => void;
}

/**
 * Follows a change stream with the browser's EventSource, which reconnects by itself after a drop and resumes with
 * `Last-Event-ID` (the proxy passes it on). A refusal (401, 403, 404) closes it for good; `reconnect` starts again.
 * Mount it with a `key` of its URL: a new URL is a new stream.
 */
export function useEventStream(url: string | null, handlers: StreamHandlers): { state: StreamState; problem: string | null; reconnect: () => void } {
  const [state, setState] = useState<StreamState>('connecting');
  const [problem, setProblem] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  const handlersRef = useRef(handlers);

  useEffect(() => {
    handlersRef.current = handlers;
  }, [handlers]);

  useEffect(() => {
    if (url === null || typeof EventSource === 'undefined') return;
    const source = new EventSource(url, { withCredentials: true });
    source.addEventListener('open', () => {
      setState('open');
      setProblem(null);
      handlersRef.current.onOpen?.();
    });
    source.addEventListener('change', (message) => {
      try {
        handlersRef.current.onEvent(JSON.parse((message as MessageEvent<string>).data) as ChangeEvent);
      } catch {
        // A frame that is not an event is not worth stopping the stream for.
      }
    });
    source.addEventListener('error', (event) => {
      // Two kinds arrive as "error": the gateway's own `event: error` frame (a slow consumer, the stream ending), which
      // has data, and the connection's trouble, which has none.
      const data = (event as MessageEvent<unknown>).data;
      if (typeof data === 'string') {
        try {
          const parsed = JSON.parse(data) as { message?: unknown };
          setProblem(typeof parsed.message === 'string' ? parsed.message : null);
        } catch {
          setProblem(null);
        }
        return;
      }
      if (source.readyState === EventSource.CLOSED) {
        setState('closed');
        handlersRef.current.onClosed?.();
      } else {
        setState('reconnecting');
      }
    });
    return () => source.close();
  }, [url, attempt]);

  return {
    state,
    problem,
    reconnect: () => {
      setState('connecting');
      setProblem(null);
      setAttempt((n) => n + 1);
    },
  };
}
