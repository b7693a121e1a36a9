/**
 * Parsed header values remembered by their exact text. Pure.
 *
 * The same To, Request-URI and Content-Type values arrive again and again (every message to a
 * recipient carries its URI twice and the same media type); parsing them was about 0.8 us of the
 * 8 us parse of a relayed MESSAGE, and every parsed object survived the young generation with its
 * message (test/bench/micro/sip-receive.ts). Only successful parses are remembered (a fault is
 * found again each time); values are frozen, as one object is shared by many messages. Bounded:
 * the table is emptied when full. The key is copied (detach) before the value is parsed from it,
 * so nothing remembered holds a message text alive.
 */
import { detach } from './detach';

export class Memo<T> {
  private readonly table = new Map<string, T>();

  constructor(private readonly maxEntries: number, private readonly parse: (text: string) => T) {}

  /** The parsed value of `text` (parse's result for it, or parse's fault thrown). */
  get(text: string): T {
    const hit = this.table.get(text);
    if (hit !== undefined) return hit;
    const key = detach(text);
    const value = this.parse(key);
    if (this.table.size >= this.maxEntries) this.table.clear();
    this.table.set(key, value);
    return value;
  }

  /** Entries held now (tests). */
  get size(): number { return this.table.size; }
}
