/** The Bus over Redis pub/sub: publishes on the store's connection, listens on a second one (Redis requires it). */
import type { Redis } from 'ioredis';
import type { Bus } from '../../canonical/adapter';
import { keys } from './keys';
import { closeConnection } from './redis-util';

export class RedisBus implements Bus {
  private sub: Redis | undefined;
  private readonly handlers = new Map<string, Set<(m: string) => void>>();

  constructor(private readonly pub: Redis) {}

  private subscriber(): Redis {
    if (!this.sub) {
      // The subscriber may queue while (re)connecting: ioredis resubscribes its channels itself.
      this.sub = this.pub.duplicate({ lazyConnect: false, enableOfflineQueue: true });
      this.sub.on('error', () => { /* reconnects by itself; readiness reports the main connection */ });
      this.sub.on('message', (channel: string, message: string) => {
        for (const h of [...(this.handlers.get(channel) ?? [])]) {
          try { h(message); } catch { /* a handler's failure is its own */ }
        }
      });
    }
    return this.sub;
  }

  async publish(channel: string, message: string): Promise<void> {
    await this.pub.publish(keys.bus(channel), message);
  }

  async subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>> {
    const name = keys.bus(channel);
    let hs = this.handlers.get(name);
    if (!hs) {
      this.handlers.set(name, (hs = new Set()));
      await this.subscriber().subscribe(name);
    }
    hs.add(handler);
    return async () => {
      hs.delete(handler);
      if (hs.size === 0 && this.handlers.get(name) === hs) {
        this.handlers.delete(name);
        await this.sub?.unsubscribe(name);
      }
    };
  }

  async close(): Promise<void> {
    this.handlers.clear();
    if (this.sub) await closeConnection(this.sub);
  }
}
