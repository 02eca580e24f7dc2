import { describe, expect, it } from 'vitest';
import type { Actor, ChangeEvent } from '@dbforge/engine';
import { EventFeed } from '../src/realtime/feed.js';
import { RealtimeHub, Subscriber, type Transport } from '../src/realtime/hub.js';

const ACTOR: Actor = { id: 'admin', kind: 'platform', roles: ['admin'], readonly: false } as Actor;

/** An event log in memory, counting what the feed reads of it. */
function log() {
  const events: ChangeEvent[] = [];
  const reads = { feed: 0, catchUp: 0 };
  const append = (count: number) => {
    for (let i = 0; i < count; i++) {
      const id = events.length + 1;
      events.push({ id, table: 't', resource: null, op: 'insert', record_id: String(id), before: null, after: { id } } as unknown as ChangeEvent);
    }
  };
  return { events, reads, append };
}

function transport(): Transport & { frames: string[] } {
  const frames: string[] = [];
  return { kind: 'ws', frames, send: (frame) => frames.push(frame), buffered: () => 0, close: () => undefined };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('realtime feed', () => {
  it('reads nothing while nobody subscribes, and a later subscriber resuming from before still gets every event, in order', async () => {
    const { events, reads, append } = log();
    const since = (afterId: number, limit: number, upTo = Infinity) => events.filter((e) => e.id > afterId && e.id <= upTo).slice(0, limit);
    const hub = new RealtimeHub(
      {
        readSince: async (afterId, limit, upTo) => {
          reads.catchUp += 1;
          return since(afterId, limit, upTo);
        },
        present: (event) => event,
        viewFor: (event) => event,
        maxBufferBytes: 1 << 20,
      },
      0,
    );
    const feed = new EventFeed(
      async (afterId, limit) => {
        reads.feed += 1;
        return since(afterId, limit);
      },
      (event) => event,
      hub,
      (error) => {
        throw error;
      },
      async () => events.length,
    );

    append(5000);
    feed.poke();
    await settle();
    expect(reads.feed).toBe(0);
    expect(hub.lastPublished).toBe(5000);

    const late = transport();
    const subscriber = new Subscriber(late, ACTOR);
    subscriber.subscriptions.set('all', { id: 'all' });
    hub.add(subscriber);
    await hub.start(subscriber, 10);
    append(3);
    feed.poke();
    await settle();
    const ids = late.frames.map((frame) => (JSON.parse(frame) as { event: { id: number } }).event.id);
    expect(ids).toEqual(Array.from({ length: 4993 }, (_, i) => i + 11));
    expect(reads.catchUp).toBeGreaterThan(0);
    expect(reads.feed).toBeGreaterThan(0);
  });
});
