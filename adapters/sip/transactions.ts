/**
 * A minimal non-INVITE transaction layer (RFC 3261 section 17).
 *
 * Server side (17.2.2): a retransmitted request is absorbed; once the final response exists it is
 * sent again instead of processing the request twice. Matching follows 17.2.3: the branch with
 * the magic cookie plus sent-by and method, else the RFC 2543 identifiers (RFC 4475 3.2.1: a bare
 * "z9hG4bK" branch falls back to these).
 *
 * Client side (17.1.2): over UDP the request is retransmitted by Timer E (T1 doubling up to T2,
 * then T2 after a provisional response); Timer F (64*T1) ends the transaction with a timeout.
 * Every table is bounded in size and every entry in time.
 */
import { detach } from './detach';
import { headerValue, headerValues } from './wire-message';
import { MAGIC_COOKIE } from './wire-serialize';
import type { CheckedRequest, CheckedResponse } from './wire-validate';
import type { Remote } from './transport';

export const TIMERS = Object.freeze({ T1: 500, T2: 4000, T4: 5000 });
const MAX_SERVER = 20_000;
const MAX_CLIENT = 20_000;

/**
 * RFC 3261 17.2.3 transaction key of a request: "the branch parameter in the request is equal to
 * the one in the top Via header field of the request that created the transaction, the sent-by
 * value in the top Via of the request is equal to the one in the request that created the
 * transaction, and the method of the request matches". A flat copy (detach): the key lives in
 * the table for Timer J (32 s), and a key built from the parsed values was a rope over slices of
 * the message text, which it kept alive (issue 7: 119,000 rope nodes at 4,000 msg/s).
 */
export function serverKey(req: CheckedRequest): string {
  const top = req.via[0];
  const method = req.method === 'ACK' ? 'INVITE' : req.method;
  if (top?.branch && top.branch.startsWith(MAGIC_COOKIE) && top.branch.length > MAGIC_COOKIE.length) {
    return detach('3261|' + top.branch + '|' + top.host + ':' + (top.port ?? '') + '|' + method);
  }
  // RFC 2543 (RFC 3261 17.2.3): Request-URI, To tag, From tag, Call-ID, CSeq, top Via.
  return detach(`2543|${req.uri}|${req.to.params.tag ?? ''}|${req.from.params.tag ?? ''}|${req.callId}|${req.cseq.seq} ${method}|${headerValues(req, 'via')[0] ?? ''}`);
}

/**
 * A retransmission is answered to where it came from, so the entry keeps no address; just the
 * final response once sent, and the expiry. Both fields from the start: one hidden class.
 */
interface ServerEntry {
  readonly key: string;
  response: Buffer | undefined;
  until: number;
  /** Queue position (absolute) of the entry's latest record; -1 once expired. */
  last: number;
}

/**
 * Server transactions by key, with an expiry queue beside the table: every begin and every
 * response appends the entry to the queue, and expiry pops from its front, deleting an entry
 * only when the record is its latest (a response moves an entry's expiry; its older record is then
 * dropped unread). O(1) amortized per request. A scan of the whole table per request once cost
 * most of the gateway's CPU at 2,000 msg/s; iterating the Map from its front to find the oldest
 * entry (the previous scheme) walked over the holes deleted entries leave at the front of V8's
 * ordered hash table until it is compacted: 36% of the receive path at the 20,000-entry bound
 * (test/bench/micro/sip-receive.ts).
 */
export class ServerTransactions {
  private readonly table = new Map<string, ServerEntry>();
  /** The expiry queue: one record (the entry) per begin and per response, oldest first from `head`. */
  private queue: ServerEntry[] = [];
  private head = 0;
  /** Records removed from the queue's front by compaction (absolute position of queue[0]). */
  private dropped = 0;
  constructor(private readonly send: (remote: Remote, bytes: Buffer) => void, private readonly maxEntries = MAX_SERVER) {}

  /**
   * Registers a request. Returns false for a retransmission (already answered: the stored
   * response is sent again; still being processed: absorbed).
   */
  begin(req: CheckedRequest, remote: Remote): { isNew: boolean; key: string } {
    const key = serverKey(req);
    const e = this.table.get(key);
    if (e) {
      if (e.response) this.send(remote, e.response);
      return { isNew: false, key };
    }
    const now = Date.now();
    this.expire(now);
    // Timer J = 64*T1 for unreliable transports; kept for TCP too, it costs little.
    const entry: ServerEntry = { key, response: undefined, until: now + 64 * TIMERS.T1, last: -1 };
    this.table.set(key, entry);
    this.enqueue(entry);
    return { isNew: true, key };
  }

  /** Records and sends the final response of a transaction. */
  respond(key: string, remote: Remote, bytes: Buffer): void {
    const e = this.table.get(key);
    if (e) {
      e.response = bytes;
      // RFC 3261 17.2.2: "When the server transaction enters the "Completed" state, it MUST set
      // Timer J to fire in 64*T1 seconds for unreliable transports".
      e.until = Date.now() + 64 * TIMERS.T1;
      this.enqueue(e);
    }
    this.send(remote, bytes);
  }

  private enqueue(e: ServerEntry): void {
    e.last = this.dropped + this.queue.length;
    this.queue.push(e);
  }

  /** Drops expired entries, then the oldest ones beyond the size bound. */
  private expire(now: number): void {
    const queue = this.queue;
    let h = this.head;
    while (h < queue.length) {
      const e = queue[h]!;
      // A record is stale when its entry has a later one (a response moved its expiry) or is
      // gone (-1; a new entry under the same key is another object): skipped.
      if (e.last === this.dropped + h) {
        if (e.until >= now && this.table.size < this.maxEntries) break;
        this.table.delete(e.key);
        e.last = -1;
      }
      h++;
    }
    // Compacted once the consumed front is half the queue: amortized O(1) per record.
    if (h > 1024 && h * 2 > queue.length) {
      this.queue = queue.slice(h);
      this.dropped += h;
      h = 0;
    }
    this.head = h;
  }

  /** Entries held now (tests). */
  get size(): number { return this.table.size; }

  clear(): void {
    this.table.clear();
    this.queue = [];
    this.head = 0;
    this.dropped = 0;
  }
}

export type ClientResult =
  | { readonly kind: 'response'; readonly response: CheckedResponse }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'transport-error'; readonly message: string };

interface ClientEntry {
  readonly method: string;
  readonly resolve: (r: ClientResult) => void;
  timerE?: NodeJS.Timeout;
  timerF: NodeJS.Timeout;
  /** RFC 3261 17.1.2.2: a provisional response was received (Proceeding state). */
  proceeding: boolean;
}

/**
 * Requests in flight to one UDP peer at most; more wait their turn (Timer F runs meanwhile). A
 * presence fan-out sends thousands of NOTIFYs to a few peers at once: unpaced, they overran the
 * peer's receive buffer and every datagram lost there came back only with Timer E, 0.5 to 4 s
 * later. RFC 8085 3.1: a UDP sender "SHOULD control its rate of transmission" toward a receiver.
 */
export const MAX_INFLIGHT_PER_PEER = 32;

/** One UDP peer's requests: how many are out, and the ones waiting to go (FIFO). */
interface PeerWindow { inflight: number; readonly waiting: Array<() => void> }

export class ClientTransactions {
  private readonly table = new Map<string, ClientEntry>();
  private readonly peers = new Map<string, PeerWindow>();
  constructor(
    private readonly send: (remote: Remote, bytes: Buffer) => Promise<void>,
    private readonly timeoutMs = 64 * TIMERS.T1,
    private readonly maxPerPeer = MAX_INFLIGHT_PER_PEER,
  ) {}

  /** Sends a request and resolves with its final response, a timeout, or a transport error. */
  request(bytes: Buffer, branch: string, method: string, remote: Remote): Promise<ClientResult> {
    return new Promise<ClientResult>((resolve) => {
      if (this.table.size >= MAX_CLIENT) { resolve({ kind: 'transport-error', message: 'too many client transactions' }); return; }
      const key = `${branch}|${method}`;
      const peerKey = remote.transport === 'UDP' ? `${remote.address}:${remote.port}` : undefined;
      let state: 'waiting' | 'sent' | 'done' = 'waiting';
      const start = (): void => {
        if (state !== 'waiting') return;
        state = 'sent';
        this.send(remote, bytes).catch(fail);
        if (remote.transport === 'UDP') {
          let interval: number = TIMERS.T1;
          // RFC 3261 17.1.2.2: in Trying Timer E is reset "with a value of MIN(2*T1, T2)"
          // (doubling); "If Timer E fires while in the Proceeding state, the request MUST be
          // passed to the transport layer for retransmission, and Timer E MUST be reset with a
          // value of T2 seconds."
          const retransmit = (): void => {
            this.send(remote, bytes).catch(fail);
            interval = entry.proceeding ? TIMERS.T2 : Math.min(interval * 2, TIMERS.T2);
            entry.timerE = setTimeout(retransmit, interval);
          };
          entry.timerE = setTimeout(retransmit, interval);
        }
      };
      const done = (r: ClientResult): void => {
        if (state === 'done') return;
        const wasSent = state === 'sent';
        state = 'done';
        const e = this.table.get(key);
        if (e === entry) { clearTimeout(e.timerF); if (e.timerE) clearTimeout(e.timerE); this.table.delete(key); }
        if (peerKey !== undefined) this.leave(peerKey, wasSent ? undefined : start);
        resolve(r);
      };
      const fail = (e: unknown): void => done({ kind: 'transport-error', message: e instanceof Error ? e.message : String(e) });
      const entry: ClientEntry = { method, resolve: done, proceeding: false, timerF: setTimeout(() => done({ kind: 'timeout' }), this.timeoutMs) };
      this.table.set(key, entry);
      if (peerKey === undefined) { start(); return; }
      let w = this.peers.get(peerKey);
      if (!w) { w = { inflight: 0, waiting: [] }; this.peers.set(peerKey, w); }
      if (w.inflight < this.maxPerPeer) { w.inflight++; start(); } else w.waiting.push(start);
    });
  }

  /** A request of this peer ended: a sent one frees its place for the next waiting one. */
  private leave(peerKey: string, unsent: (() => void) | undefined): void {
    const w = this.peers.get(peerKey);
    if (!w) return;
    if (unsent) {
      const i = w.waiting.indexOf(unsent);
      if (i >= 0) w.waiting.splice(i, 1);
    } else {
      const next = w.waiting.shift();
      if (next) next(); else w.inflight--;
    }
    if (w.inflight === 0 && w.waiting.length === 0) this.peers.delete(peerKey);
  }

  /** Matches a response (RFC 3261 17.1.3: top Via branch and CSeq method); false when none. */
  receive(res: CheckedResponse): boolean {
    const branch = res.via[0]?.branch;
    if (!branch) return false;
    const key = `${branch}|${res.cseq.method}`;
    const e = this.table.get(key);
    if (!e) return false;
    if (res.status < 200) {
      // RFC 3261 17.1.2.2: "If a provisional response is received while in the Trying state ...
      // the client transaction MUST move to the Proceeding state". Timer E keeps running (its
      // next firing retransmits); from then on it is reset with T2, not doubled. Retransmission
      // only stops with the final response or Timer F.
      e.proceeding = true;
      return true;
    }
    e.resolve({ kind: 'response', response: res });
    return true;
  }

  clear(): void {
    const all = [...this.table.values()];
    // Windows first: ending a sent request must not send a waiting one during the stop.
    this.peers.clear();
    for (const e of all) { clearTimeout(e.timerF); if (e.timerE) clearTimeout(e.timerE); e.resolve({ kind: 'transport-error', message: 'adapter stopped' }); }
    this.table.clear();
  }
}

/** The To tag of a response, if any. */
export function toTag(msg: { headers: readonly { name: string; value: string }[] }): string | undefined {
  const to = headerValue(msg, 'to');
  return to ? /;\s*tag\s*=\s*([^;\s]+)/i.exec(to)?.[1] : undefined;
}
