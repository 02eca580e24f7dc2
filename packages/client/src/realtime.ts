import type { ChangeEventBody } from '@dbforge/contracts';

/** What a stream subscribes to: resources or tables (nothing: every table), a record, operations, a filter. */
export interface StreamOptions {
  resource?: string | string[] | undefined;
  record?: string | number | undefined;
  ops?: ('create' | 'update' | 'delete')[] | undefined;
  filter?: Record<string, unknown> | undefined;
  /** Resume after this event (SSE sends it as Last-Event-ID). */
  lastEventId?: number | undefined;
}

export function streamQuery(options: StreamOptions): URLSearchParams {
  const query = new URLSearchParams();
  if (options.resource !== undefined) query.set('resource', Array.isArray(options.resource) ? options.resource.join(',') : options.resource);
  if (options.record !== undefined) query.set('record', String(options.record));
  if (options.ops !== undefined) query.set('ops', options.ops.join(','));
  if (options.filter !== undefined) query.set('filter', JSON.stringify(options.filter));
  return query;
}

export interface SseMessage {
  id: string | undefined;
  event: string;
  data: string;
}

/**
 * A Server-Sent Events reader over fetch (no dependency, works in Node and browsers): yields each message; the caller
 * keeps the last `id` to resume. Ends when the server ends the stream or `signal` aborts.
 */
export async function* readEventStream(response: Response): AsyncGenerator<SseMessage> {
  if (!response.body) return;
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let id: string | undefined;
  let event = 'message';
  let data: string[] = [];
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline).replace(/\r$/, '');
        buffer = buffer.slice(newline + 1);
        if (line === '') {
          if (data.length > 0) yield { id, event, data: data.join('\n') };
          event = 'message';
          data = [];
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon === -1 ? line : line.slice(0, colon);
        const text = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'id') id = text;
        else if (field === 'event') event = text;
        else if (field === 'data') data.push(text);
      }
    }
  } finally {
    reader.releaseLock();
  }
}

/** The WebSocket constructor to use: the platform's (browsers, Node 22+) or one given (the `ws` package on Node 20). */
export type WebSocketLike = {
  new (url: string, protocols?: string | string[]): {
    onopen: ((ev: unknown) => void) | null;
    onmessage: ((ev: { data: unknown }) => void) | null;
    onclose: ((ev: { code: number; reason: string }) => void) | null;
    onerror: ((ev: unknown) => void) | null;
    send(data: string): void;
    close(code?: number, reason?: string): void;
  };
};

export interface RealtimeHandlers {
  onEvent(event: ChangeEventBody): void;
  onReady?(lastEventId: number): void;
  /** The connection closed: `code` 4008 means the consumer fell behind (resume from the last event id). */
  onClose?(code: number, reason: string): void;
  onMessage?(message: Record<string, unknown>): void;
}

/**
 * Opens the realtime WebSocket of a database. Browsers can't set headers on a WebSocket: send the key with a
 * same-origin proxy, or use the SSE stream (`DatabaseClient.streamEvents`). On Node, pass `headers` with a
 * WebSocket implementation that accepts them (the `ws` package: `new WebSocket(url, { headers })`).
 */
export function connectRealtime(
  url: string,
  handlers: RealtimeHandlers,
  WebSocketImpl: WebSocketLike,
): { close(): void; send(message: Record<string, unknown>): void; readonly lastEventId: number } {
  const socket = new WebSocketImpl(url);
  let last = 0;
  socket.onmessage = (message) => {
    const parsed = JSON.parse(String(message.data)) as Record<string, unknown>;
    if (parsed.type === 'event') {
      const event = parsed.event as ChangeEventBody;
      last = event.id;
      handlers.onEvent(event);
    } else if (parsed.type === 'ready') {
      handlers.onReady?.(Number(parsed.last_event_id));
    }
    handlers.onMessage?.(parsed);
  };
  socket.onclose = (event) => handlers.onClose?.(event.code, event.reason);
  return {
    close: () => socket.close(1000),
    send: (message) => socket.send(JSON.stringify(message)),
    get lastEventId() {
      return last;
    },
  };
}
