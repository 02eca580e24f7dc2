import type { ChangeEvent } from '@dbforge/engine';
import type { RealtimeHub } from './hub.js';

/**
 * Carries committed events from the log to the hub. The adapter pokes it after every commit; it reads what is new
 * (ids above the last published one) in order, one read at a time, so events reach subscribers in commit order
 * whichever path wrote them (triggers, the resource engine, the rows API). While nobody subscribes it only notes the
 * newest id.
 */
export class EventFeed {
  private reading = false;
  private again = false;

  constructor(
    private readonly readSince: (afterId: number, limit: number) => Promise<ChangeEvent[]>,
    private readonly present: (event: ChangeEvent) => ChangeEvent,
    private readonly hub: RealtimeHub,
    private readonly onError: (error: unknown) => void,
    /** The newest event id in the log (to skip what nobody subscribes to). */
    private readonly latestId: () => Promise<number>,
  ) {}

  poke(): void {
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = true;
    void this.drain();
  }

  private async drain(): Promise<void> {
    try {
      do {
        this.again = false;
        if (this.hub.size === 0) {
          // Nobody listens (a bulk load can commit a million events): skip them instead of reading and presenting each.
          const latest = await this.latestId();
          if (this.hub.size === 0) {
            this.hub.skipTo(latest);
            continue;
          }
        }
        for (;;) {
          const batch = await this.readSince(this.hub.lastPublished, 1000);
          if (batch.length === 0) break;
          this.hub.publish(batch.map(this.present));
        }
      } while (this.again);
    } catch (error) {
      this.onError(error);
    } finally {
      this.reading = false;
    }
  }
}
