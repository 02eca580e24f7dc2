import type { Actor, ChangeEvent, EventOp } from '@dbforge/engine';

/**
 * Live change feeds of one database, framework-free: committed events arrive in id order (`publish`), and every
 * subscriber receives each event it may read and asked for exactly once, in order. A subscriber that resumes from an
 * event id first catches up from an in-memory ring of recent events, or from the log for older ones, and goes live
 * once it has reached the newest published event, without a gap or a duplicate. A subscriber whose transport holds
 * more than `maxBufferBytes` unsent bytes is cut off with a clear reason: it never slows others, nor writes.
 */

export const SLOW_CONSUMER_CODE = 4008;

/** What a subscriber asks for; every field narrows it. */
export interface SubscriptionSpec {
  id: string;
  /** A resource or a table (`*` or nothing: every table). */
  table?: string | undefined;
  /** A record's key (with `table`). */
  record?: string | undefined;
  ops?: EventOp[] | undefined;
  /** Conditions on the record (after the change, before it for a delete): `{"status": "open", "total": {"gt": 10}}`. */
  filter?: Record<string, unknown> | undefined;
}

export type TransportKind = 'ws' | 'sse';

/** A connection's way out (a WebSocket or a Server-Sent Events response). */
export interface Transport {
  readonly kind: TransportKind;
  send(frame: string): void;
  /** Bytes handed to the transport and not yet written to the network. */
  buffered(): number;
  close(code: number, reason: string): void;
}

/** An event encoded once for every subscriber of a kind. */
export class EncodedEvent {
  private ws: string | undefined;
  private sse: string | undefined;
  private json: string | undefined;

  constructor(readonly event: ChangeEvent) {}

  frame(kind: TransportKind): string {
    this.json ??= JSON.stringify(this.event);
    if (kind === 'ws') return (this.ws ??= `{"type":"event","event":${this.json}}`);
    return (this.sse ??= `id: ${this.event.id}\nevent: change\ndata: ${this.json}\n\n`);
  }
}

export interface HubOptions {
  /** Raw events after an id, oldest first, up to an id (from the log). */
  readSince(afterId: number, limit: number, upTo: number): Promise<ChangeEvent[]>;
  /** An event as subscribers see it (hidden fields left out, personal data masked). */
  present(event: ChangeEvent): ChangeEvent;
  /**
   * The event as one subscriber may see it: null when their permissions keep its record from them, the same event when
   * they may see all of it, or a copy without the fields they may not read.
   */
  viewFor(event: ChangeEvent, actor: Actor): ChangeEvent | null;
  maxBufferBytes: number;
  /** Recent events kept in memory for resuming subscribers. */
  ringSize?: number;
  log?: (object: Record<string, unknown>, message: string) => void;
}

const OPERATORS = new Set(['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in']);

function compare(value: unknown, op: string, expected: unknown): boolean {
  switch (op) {
    case 'eq':
      return JSON.stringify(value) === JSON.stringify(expected);
    case 'ne':
      return JSON.stringify(value) !== JSON.stringify(expected);
    case 'in':
      return Array.isArray(expected) && expected.some((e) => JSON.stringify(e) === JSON.stringify(value));
    default: {
      if (value === null || value === undefined || expected === null) return false;
      const a = value as number | string;
      const b = expected as number | string;
      if (op === 'gt') return a > b;
      if (op === 'gte') return a >= b;
      if (op === 'lt') return a < b;
      return a <= b;
    }
  }
}

/** Checks a filter's shape; answers a problem, or undefined. */
export function checkFilter(filter: unknown): string | undefined {
  if (typeof filter !== 'object' || filter === null || Array.isArray(filter)) return 'must be an object of field conditions';
  for (const [field, condition] of Object.entries(filter)) {
    if (typeof condition === 'object' && condition !== null && !Array.isArray(condition)) {
      for (const op of Object.keys(condition)) if (!OPERATORS.has(op)) return `${field}: unknown operator '${op}' (eq, ne, gt, gte, lt, lte, in)`;
    }
  }
  return undefined;
}

export function matches(spec: SubscriptionSpec, event: ChangeEvent): boolean {
  if (spec.table !== undefined && spec.table !== '*' && spec.table !== event.table && spec.table !== event.resource) return false;
  if (spec.record !== undefined && spec.record !== event.record_id) return false;
  if (spec.ops !== undefined && !spec.ops.includes(event.op)) return false;
  if (spec.filter !== undefined) {
    const record = event.after ?? event.before ?? {};
    for (const [field, condition] of Object.entries(spec.filter)) {
      const value = record[field];
      if (typeof condition === 'object' && condition !== null && !Array.isArray(condition)) {
        for (const [op, expected] of Object.entries(condition)) if (!compare(value, op, expected)) return false;
      } else if (!compare(value, 'eq', condition)) {
        return false;
      }
    }
  }
  return true;
}

export class Subscriber {
  readonly subscriptions = new Map<string, SubscriptionSpec>();
  /** The id of the last event this subscriber has been given (or skipped). */
  cursor = 0;
  state: 'waiting' | 'catching_up' | 'live' | 'closed' = 'waiting';

  constructor(
    readonly transport: Transport,
    /** Who the subscriber is: set once more when a database user authenticates on an open connection. */
    public actor: Actor,
  ) {}

  wants(event: ChangeEvent): boolean {
    for (const spec of this.subscriptions.values()) if (matches(spec, event)) return true;
    return false;
  }
}

/**
 * Keeps a database user's subscription as current as their session, on each heartbeat: new roles take effect, and a
 * session that ended (signed out, expired, the user deleted) closes the subscription (`4401`). Answers whether it is
 * still open.
 */
export async function recheckUser(subscriber: Subscriber, token: string, authenticate: (token: string) => Promise<Actor | undefined>): Promise<boolean> {
  if (subscriber.state === 'closed') return false;
  const user = await authenticate(token);
  if (user === undefined) {
    subscriber.transport.close(4401, 'Your session has ended: sign in to this database again.');
    return false;
  }
  subscriber.actor = user;
  return true;
}

export class RealtimeHub {
  private readonly subscribers = new Set<Subscriber>();
  private readonly ring: EncodedEvent[] = [];
  /** The ring holds every published event with an id above this. */
  private ringFrom: number;
  private published: number;
  private readonly ringSize: number;

  constructor(
    private readonly options: HubOptions,
    lastId: number,
  ) {
    this.published = lastId;
    this.ringFrom = lastId;
    this.ringSize = options.ringSize ?? 10_000;
  }

  /** The newest event id given to subscribers. */
  get lastPublished(): number {
    return this.published;
  }

  get size(): number {
    return this.subscribers.size;
  }

  /**
   * Committed events, in id order (already presented). A subscriber that still holds more than the limit unsent from
   * earlier deliveries is cut off first: slowness is judged between bursts, so one large burst alone cuts nobody off.
   */
  publish(events: ChangeEvent[]): void {
    for (const subscriber of this.subscribers) if (subscriber.state === 'live') this.cutOffIfSlow(subscriber);
    for (const event of events) {
      if (event.id <= this.published) continue;
      const encoded = new EncodedEvent(event);
      this.ring.push(encoded);
      if (this.ring.length > this.ringSize) this.ringFrom = this.ring.shift()!.event.id;
      this.published = event.id;
      for (const subscriber of this.subscribers) if (subscriber.state === 'live') this.deliver(subscriber, encoded);
    }
  }

  add(subscriber: Subscriber): void {
    this.subscribers.add(subscriber);
  }

  /**
   * Events up to `id` were committed while nobody subscribed: they are not presented or kept (a subscriber who comes
   * later and resumes from before them reads them from the log, as one resuming from before the ring does).
   */
  skipTo(id: number): void {
    if (this.subscribers.size > 0 || id <= this.published) return;
    this.published = id;
    this.ring.length = 0;
    this.ringFrom = id;
  }

  remove(subscriber: Subscriber): void {
    subscriber.state = 'closed';
    this.subscribers.delete(subscriber);
  }

  /** Ends every feed (the worker is stopping): clients reconnect and resume. */
  closeAll(code: number, reason: string): void {
    for (const subscriber of [...this.subscribers]) {
      this.remove(subscriber);
      subscriber.transport.close(code, reason);
    }
  }

  private deliver(subscriber: Subscriber, encoded: EncodedEvent): void {
    const event = encoded.event;
    if (event.id <= subscriber.cursor) return;
    subscriber.cursor = event.id;
    const view = this.options.viewFor(event, subscriber.actor);
    // Filters see only what the subscriber may see, so a filter on a field kept from them can't reveal its value.
    if (view === null || !subscriber.wants(view)) return;
    subscriber.transport.send((view === event ? encoded : new EncodedEvent(view)).frame(subscriber.transport.kind));
  }

  private cutOffIfSlow(subscriber: Subscriber): void {
    const buffered = subscriber.transport.buffered();
    if (buffered <= this.options.maxBufferBytes) return;
    this.remove(subscriber);
    this.options.log?.({ buffered, limit: this.options.maxBufferBytes }, 'slow realtime consumer cut off');
    subscriber.transport.close(
      SLOW_CONSUMER_CODE,
      `slow consumer: more than ${this.options.maxBufferBytes} bytes waiting; resume with last_event_id=${subscriber.cursor}`,
    );
  }

  /**
   * Starts delivery: live from now, or, given the id of the last event the client saw, everything after it first.
   * The catch-up reads until it has reached the newest published event and then goes live in the same turn of the
   * event loop, so nothing published meanwhile is missed or repeated.
   */
  async start(subscriber: Subscriber, lastEventId?: number): Promise<void> {
    if (lastEventId === undefined || lastEventId >= this.published) {
      subscriber.cursor = lastEventId === undefined ? this.published : Math.max(lastEventId, 0);
      subscriber.state = 'live';
      return;
    }
    subscriber.cursor = Math.max(0, lastEventId);
    subscriber.state = 'catching_up';
    while (subscriber.state === 'catching_up') {
      if (subscriber.cursor >= this.published) {
        subscriber.state = 'live';
        return;
      }
      // A client with a long backlog is paced by its own transport instead of being cut off for it.
      while (subscriber.transport.buffered() > this.options.maxBufferBytes / 2 && subscriber.state === 'catching_up') {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      if (subscriber.cursor >= this.ringFrom) {
        for (const encoded of this.ring) {
          if (subscriber.state !== 'catching_up') return;
          if (encoded.event.id > subscriber.cursor) this.deliver(subscriber, encoded);
          if (subscriber.transport.buffered() > this.options.maxBufferBytes / 2) break;
        }
        continue;
      }
      const upTo = this.published;
      const batch = await this.options.readSince(subscriber.cursor, 500, upTo);
      if (batch.length === 0) {
        subscriber.cursor = upTo;
        continue;
      }
      for (const event of batch) {
        while (subscriber.transport.buffered() > this.options.maxBufferBytes / 2 && subscriber.state === 'catching_up') {
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        if (subscriber.state !== 'catching_up') return;
        this.deliver(subscriber, new EncodedEvent(this.options.present(event)));
      }
    }
  }
}
