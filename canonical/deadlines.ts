/**
 * Many bounded waits on one timer. Each message sent to XMPP waits a fixed window for a stanza
 * error or a receipt (adapters/xmpp/adapter.ts), and the router bounds every next hop by its
 * message timeout (gateway/router.ts). A setTimeout per message meant a timer wake-up (and a
 * Timeout object) per message, and each costs the gateway more than the work it does at
 * thousands of messages a second. Waits
 * of one length end in the order they began, so each length is a FIFO queue; one timer is armed
 * for the earliest end, rounded up to a tick so that waits ending close together end in one
 * wake-up (and their answers leave together). A wait ends at most one tick late, never early.
 */

/** A started wait; cancel() is idempotent and makes it never fire. */
export interface Wait { cancel(): void }

/** A queued wait; it is its own handle (no closure per wait: thousands are pending at once). */
class Entry implements Wait {
  constructor(readonly at: number, public fn: (() => void) | undefined) {}
  cancel(): void { this.fn = undefined; }
}

/** A FIFO of entries in deadline order (one wait length). */
class Queue {
  private items: Entry[] = [];
  private head = 0;

  push(e: Entry): void { this.items.push(e); }

  peek(): Entry | undefined {
    while (this.head < this.items.length && this.items[this.head]!.fn === undefined) this.head++;
    this.compact();
    return this.items[this.head];
  }

  shift(): Entry | undefined {
    const e = this.peek();
    if (e) this.head++;
    return e;
  }

  get size(): number { return this.items.length - this.head; }

  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}

export class Deadlines {
  private readonly queues = new Map<number, Queue>();
  private timer: NodeJS.Timeout | undefined;
  private armedAt = Infinity;

  /** tickMs: waits ending within one tick of each other end together (at most tickMs late). */
  constructor(private readonly tickMs = 10) {}

  /** Runs fn once, ms from now (at most one tick later), unless cancelled first. */
  after(ms: number, fn: () => void): Wait {
    const e = new Entry(Date.now() + ms, fn);
    let q = this.queues.get(ms);
    if (!q) { q = new Queue(); this.queues.set(ms, q); }
    q.push(e);
    this.arm(e.at);
    return e;
  }

  /** Waits not yet ended or cancelled (cancelled ones are counted until they reach the front). */
  get size(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.size;
    return n;
  }

  /** Drops every wait without running it. */
  clear(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.armedAt = Infinity;
    this.queues.clear();
  }

  private arm(at: number): void {
    const fireAt = Math.ceil(at / this.tickMs) * this.tickMs;
    if (fireAt >= this.armedAt) return;
    clearTimeout(this.timer);
    this.armedAt = fireAt;
    // Unreferenced: the waits belong to work that keeps the process alive by its own sockets;
    // cancelled waits stay queued until their time, and must not hold a stopping process open.
    this.timer = setTimeout(() => this.fire(), Math.max(0, fireAt - Date.now())).unref();
  }

  private fire(): void {
    this.timer = undefined;
    this.armedAt = Infinity;
    const now = Date.now();
    let next = Infinity;
    for (const [ms, q] of this.queues) {
      for (let e = q.peek(); e; e = q.peek()) {
        if (e.at > now) { next = Math.min(next, e.at); break; }
        q.shift();
        const fn = e.fn;
        e.fn = undefined;
        try {
          fn?.();
        } catch (err) {
          // As from a timer of its own: the fault surfaces, and the other waits still end.
          queueMicrotask(() => { throw err; });
        }
      }
      if (q.size === 0) this.queues.delete(ms);
    }
    if (next !== Infinity) this.arm(next);
  }
}
