import fp from 'fastify-plugin';
import type { DatabaseAdapter, RetentionPolicy } from '@dbforge/engine';
import { RealtimeHub } from '../realtime/hub.js';
import { EventFeed } from '../realtime/feed.js';

export interface EventsPluginOptions {
  adapter: DatabaseAdapter;
  /** The database's retention; both unset keeps every event. */
  retention: RetentionPolicy;
  /** How often retention runs (it also runs at start). */
  retentionIntervalMs: number;
  /** Bytes a realtime subscriber may leave unread before it is cut off. */
  realtimeBufferBytes: number;
  /** Keep-alives of realtime connections. */
  heartbeatMs: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    realtime: { hub: RealtimeHub; heartbeatMs: number };
  }
}

/** The event log's live side: the hub of realtime subscribers, fed after every commit, and the retention schedule. */
export const eventsPlugin = fp(
  async (app, options: EventsPluginOptions) => {
    const engine = app.resources;
    const log = app.log.child({ component: 'events' });
    const hub = new RealtimeHub(
      {
        readSince: (afterId, limit, upTo) => engine.events.since(afterId, limit, upTo),
        present: (event) => engine.presentEvent(event),
        viewFor: (event, actor) => engine.eventFor(event, actor),
        maxBufferBytes: options.realtimeBufferBytes,
        log: (object, message) => log.warn(object, message),
      },
      await engine.events.latestId(),
    );
    const feed = new EventFeed(
      (afterId, limit) => engine.events.since(afterId, limit),
      (event) => engine.presentEvent(event),
      hub,
      (error) => log.error({ err: error }, 'reading new events failed'),
      () => engine.events.latestId(),
    );
    options.adapter.onCommit(() => feed.poke());
    app.decorate('realtime', { hub, heartbeatMs: options.heartbeatMs });

    const { maxAgeDays, maxEvents } = options.retention;
    let timer: NodeJS.Timeout | undefined;
    if (maxAgeDays || maxEvents) {
      const run = async () => {
        try {
          const result = await engine.events.applyRetention(options.retention);
          if (result.removed > 0) log.info({ removed: result.removed, horizon: result.horizon }, 'event retention applied');
        } catch (error) {
          log.error({ err: error }, 'event retention failed');
        }
      };
      app.addHook('onReady', async () => {
        await run();
        timer = setInterval(() => void run(), options.retentionIntervalMs);
        timer.unref();
      });
    }
    app.addHook('preClose', async () => {
      if (timer) clearInterval(timer);
      hub.closeAll(1012, 'the database worker is restarting: reconnect with last_event_id to resume');
    });
  },
  { name: 'dbforge-events', fastify: '5.x', dependencies: ['dbforge-resources'] },
);
