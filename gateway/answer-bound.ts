/**
 * The bound on a next hop's answer (gateway.messageTimeoutMs) for messages, notifications and
 * upstream SUBSCRIBEs, on one shared timer (canonical/deadlines.ts) instead of a setTimeout, a
 * Promise.race and its promises per call: a fan-out to 10,000 watchers made 10,000 timers, and a
 * message to XMPP holds its bound for the whole 250 ms error window.
 */
import { Deadlines } from '../canonical/deadlines';

export class AnswerBound {
  private readonly deadlines = new Deadlines();

  constructor(private readonly ms: number) {}

  /**
   * Resolves with p's value; with onTimeout() when p has not settled within the bound (at most
   * one timer tick late); with onError(err) when p rejects. Never rejects.
   */
  within<T>(p: Promise<T>, onTimeout: () => T, onError: (err: unknown) => T): Promise<T> {
    return new Promise<T>((resolve) => {
      const wait = this.deadlines.after(this.ms, () => resolve(onTimeout()));
      p.then(
        (v) => { wait.cancel(); resolve(v); },
        (err: unknown) => { wait.cancel(); resolve(onError(err)); },
      );
    });
  }
}
