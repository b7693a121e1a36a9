/**
 * The lease under which one gateway instance of several holds a XEP-0114 component connection
 * (DESIGN "Growing past one machine": "an XMPP component connection is held by one instance at a
 * time under a Redis lease, and another takes over when it dies").
 *
 * Why a lease: XEP-0114 gives a component domain one stream at a time (Prosody refuses a second
 * with a <conflict/> stream error), so several instances configured alike must agree on who
 * connects. The lease is a key in the adapter's shared state whose value is the holder's
 * instanceId, with a TTL. The holder renews it well inside the TTL with an atomic compare-and-set
 * (so a renewal can never overwrite a claim another instance made after ours lapsed); standbys poll
 * with set-if-absent and connect when they win. A holder that cannot renew for half the TTL, or
 * finds the key taken, gives the connection up at once, before any standby can win it. With the
 * memory store there is one instance, which always wins.
 */
import type { AdapterState, Log } from '../../canonical/adapter';

export interface LeaseTiming {
  /** Lifetime of a claim; a dead holder's connection is taken over after at most this long. */
  readonly ttlMs: number;
  /** Renewal period of the holder (a few per TTL, so one slow store answer does not lose it). */
  readonly renewMs: number;
  /** Poll period of a standby. */
  readonly pollMs: number;
}

export const DEFAULT_LEASE: LeaseTiming = Object.freeze({ ttlMs: 10_000, renewMs: 3_000, pollMs: 2_000 });

export interface LeaseOptions {
  readonly state: AdapterState;
  /** The state key, one per component domain. */
  readonly key: string;
  /** This instance's id (the value of the key while held). */
  readonly owner: string;
  readonly log: Log;
  readonly timing?: LeaseTiming;
  /** Called once each time the lease is won; a rejection gives the lease back and stops polling. */
  readonly onAcquire: () => Promise<void>;
  /** Called once each time a held lease is lost (taken, or not renewable); not on release(). */
  readonly onLose: (reason: string) => Promise<void>;
  /** Called after every poll or renewal, so readiness can follow the holder. */
  readonly onChange?: () => void;
}

/** Upper bound on one store call; a store that hangs counts as unreachable. */
const STORE_CALL_MS = 2_000;

export class ComponentLease {
  private _held = false;
  private _holder: string | undefined;
  private lastRenewed = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private _failure: Error | undefined;
  private readonly timing: LeaseTiming;

  constructor(private readonly o: LeaseOptions) {
    this.timing = o.timing ?? DEFAULT_LEASE;
    if (!(this.timing.renewMs > 0 && this.timing.pollMs > 0 && this.timing.renewMs * 2 < this.timing.ttlMs)) {
      throw new Error(`lease timing: renewMs (${this.timing.renewMs}) must be positive and under half of ttlMs (${this.timing.ttlMs}); pollMs (${this.timing.pollMs}) positive`);
    }
  }

  /** True while this instance holds the lease (and so should hold the connection). */
  get held(): boolean { return this._held; }
  /** The holder seen by the last poll (this instance when held); undefined when nobody holds it. */
  get holder(): string | undefined { return this._held ? this.o.owner : this._holder; }
  /** Set when onAcquire failed with a fault retrying cannot fix (polling stopped). */
  get failure(): Error | undefined { return this._failure; }

  private get ttlSeconds(): number { return Math.max(1, Math.ceil(this.timing.ttlMs / 1000)); }

  /** Makes the first attempt (awaiting onAcquire when won, and its rejection), then keeps polling. */
  async start(): Promise<void> {
    await this.tick();
    if (this._failure) throw this._failure;
    this.schedule();
  }

  /** The current holder, read now from the store (undefined when nobody holds it). */
  async currentHolder(): Promise<string | undefined> {
    if (this._held) return this.o.owner;
    this._holder = await bounded(this.o.state.get(this.o.key), 'lease read');
    return this._holder;
  }

  /**
   * Stops polling and renewing. The caller closes the connection first, then calls release():
   * giving the key back before the stream is closed would let a standby connect into a conflict.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Gives the lease back (only if still ours), so a standby takes over at its next poll. */
  async release(): Promise<void> {
    if (!this._held) return;
    this._held = false;
    try {
      const st = this.o.state;
      if (st.compareAndDelete) await bounded(st.compareAndDelete(this.o.key, this.o.owner), 'lease release');
      else if ((await bounded(st.get(this.o.key), 'lease release')) === this.o.owner) await bounded(st.del(this.o.key), 'lease release');
    } catch (err) {
      // Not fatal: the claim lapses after its TTL.
      this.o.log.warn({ lease: this.o.key, err: errText(err) }, 'could not release the component lease; it lapses after its TTL');
    }
  }

  private schedule(): void {
    if (this.stopped || this._failure) return;
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => { this.running = undefined; this.schedule(); });
    }, this._held ? this.timing.renewMs : this.timing.pollMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    try {
      if (this._held) await this.renew();
      else await this.poll();
    } finally {
      this.o.onChange?.();
    }
  }

  private async renew(): Promise<void> {
    let still: boolean;
    try {
      still = await this.renewOnce();
    } catch (err) {
      // Keep the connection through a short store outage, but give it up well before the claim
      // can lapse and a standby can win it (half the TTL), so two never connect at once.
      const since = Date.now() - this.lastRenewed;
      if (since < this.timing.ttlMs / 2) {
        this.o.log.warn({ lease: this.o.key, err: errText(err) }, 'component lease renewal failed; retrying');
        return;
      }
      await this.lose(`the store did not renew the lease for ${since} ms (${errText(err)})`);
      return;
    }
    if (still) this.lastRenewed = Date.now();
    else await this.lose('another instance holds the lease now');
  }

  private async renewOnce(): Promise<boolean> {
    const st = this.o.state;
    if (st.compareAndSet) return bounded(st.compareAndSet(this.o.key, this.o.owner, this.o.owner, this.ttlSeconds), 'lease renewal');
    // A store without compare-and-set: get-then-set, racy in the window between the two calls.
    if ((await bounded(st.get(this.o.key), 'lease renewal')) !== this.o.owner) return false;
    await bounded(st.set(this.o.key, this.o.owner, this.ttlSeconds), 'lease renewal');
    return true;
  }

  private async poll(): Promise<void> {
    let won: boolean;
    try {
      won = await bounded(this.o.state.setIfAbsent(this.o.key, this.o.owner, this.ttlSeconds), 'lease claim');
      // Our own claim left by an earlier run with the same instanceId is ours to renew.
      if (!won) won = await this.renewOnce();
      if (!won) this._holder = await bounded(this.o.state.get(this.o.key), 'lease read');
    } catch (err) {
      this._holder = undefined;
      this.o.log.warn({ lease: this.o.key, err: errText(err) }, 'component lease poll failed');
      return;
    }
    if (!won || this.stopped) {
      if (won) await this.release0();
      return;
    }
    this._held = true;
    this._holder = this.o.owner;
    this.lastRenewed = Date.now();
    this.o.log.info({ lease: this.o.key }, 'component lease won; connecting');
    try {
      await this.o.onAcquire();
    } catch (err) {
      this._failure = err instanceof Error ? err : new Error(String(err));
      await this.release();
    }
  }

  private async release0(): Promise<void> {
    this._held = true;
    await this.release();
  }

  private async lose(reason: string): Promise<void> {
    this._held = false;
    this._holder = undefined;
    this.o.log.warn({ lease: this.o.key, reason }, 'component lease lost; disconnecting');
    await this.o.onLose(reason);
  }
}

/** What the adapter keeps per component, as far as its lease is concerned. */
export interface LeasedLink {
  readonly domain: string;
  readonly link: { start(): Promise<void>; stop(): Promise<void> };
  online: boolean;
  reason?: string;
  lease?: ComponentLease;
}

/** The lease of a component link: won -> connect, lost -> disconnect and say why. */
export function leaseLink(l: LeasedLink, o: Pick<LeaseOptions, 'state' | 'owner' | 'log' | 'timing'> & { readonly onChange: () => void }): ComponentLease {
  return new ComponentLease({
    ...o, key: `lease:${l.domain}`,
    onAcquire: async () => {
      try {
        await l.link.start();
      } catch (err) {
        l.reason = errText(err);
        throw err;
      }
    },
    onLose: async (reason) => {
      await l.link.stop();
      l.online = false;
      l.reason = `component ${l.domain}: lease lost (${reason})`;
      o.onChange();
    },
  });
}

/** Another instance holds the link's lease (and this one can serve through it). */
export function isStandby(l: LeasedLink, self: string): boolean {
  const lease = l.lease;
  return lease !== undefined && !lease.held && !lease.failure && lease.holder !== undefined && lease.holder !== self;
}

/**
 * Where to send for a link: undefined when this instance sends itself (it holds the lease, or the
 * link is not leased); { holder } to relay through; {} when nobody holds it.
 */
export async function remoteHolder(l: LeasedLink, self: string): Promise<{ holder?: string } | undefined> {
  const lease = l.lease;
  if (!lease || lease.held) return undefined;
  const holder = lease.holder ?? await lease.currentHolder().catch(() => undefined);
  return holder !== undefined && holder !== self ? { holder } : {};
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function bounded<T>(p: Promise<T>, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => { t = setTimeout(() => reject(new Error(`${what}: no answer from the store within ${STORE_CALL_MS} ms`)), STORE_CALL_MS); })]);
  } finally {
    clearTimeout(t);
  }
}
