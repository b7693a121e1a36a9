/**
 * The message path's Redis work, coalesced: every admitMessage and recordOutcome made in one
 * event-loop turn leaves as ONE script call (EVALSHA) that runs them in call order and answers
 * each.
 *
 * Why (issue 7, lead's profile at 4,000 SIP->XMPP msg/s): one auto-pipelined ioredis command per
 * call (an EVALSHA per admit and a SET per record: Command objects, Script toWritable, a pipeline
 * per turn, a Promise, callback and nextTick per command, the reply decoder) was 15-20% of the
 * gateway's CPU. test/bench/micro/redis-store-pairs.ts (200,000 admit+record pairs in bursts of
 * 8-32 a turn against a private redis-server, interleaved runs on the shared 2-core machine): 19-31
 * -> 8.5-12 us of this process's CPU per pair, 2 -> 0.055 commands per pair (MONITOR); paced at
 * 4,000 pairs/s, 31-36 -> 17-21 us and admit p50 0.38-0.51 -> 0.26-0.36 ms; Redis's own CPU per
 * pair about the same (7.6-7.9 -> 6.1-7.0 us).
 *
 * When it flushes: SIP datagrams arrive as separate callbacks of one poll phase, so
 * process.nextTick would make batches of one; setImmediate runs after the whole poll phase, which
 * is also when ioredis's auto-pipeline would have written. The batch command is excluded from
 * auto-pipelining (autoPipeliningIgnoredCommands), so it is written at once from that callback
 * rather than queued for one more turn. A batch is cut at MAX_BATCH_ITEMS calls or
 * MAX_BATCH_CHARS characters of keys and arguments and sent at once, so a burst never builds one
 * unbounded command or reply.
 *
 * Failure: a failed script call (Redis away, connection lost, reply malformed) rejects every
 * caller of its batch with a StoreError; an error of one call inside the script (redis.pcall)
 * rejects that caller only. NOSCRIPT is handled by ioredis as for every defineCommand script
 * (EVAL once on the connection, and again after a NOSCRIPT).
 */
import type { Redis } from 'ioredis';
import { StoreError } from '../../canonical/errors';
import type { Admission } from './store';

/** Calls per script call; more wait for the next batch (sent at once). */
export const MAX_BATCH_ITEMS = 256;
/** Characters of keys and arguments per script call (a rules text may be long). */
export const MAX_BATCH_CHARS = 256 * 1024;

/** The ioredis command name of the batch script (also its autoPipeliningIgnoredCommands entry). */
export const BATCH_COMMAND = 'sbMessageBatch';

/*
 * Ops, three ARGV each, in call order. Admit: KEYS the rules, then the message claim; ARGV mode
 * ('n' none expected, 'e' ARGV+1 expected; upper case: claim when matched), expected rules, claim
 * TTL. Record: KEYS the message; ARGV 'R', the outcome, its TTL (SET XX: only while claimed).
 * Reply: a flat array, per op a code, some followed by one string:
 *   0 rules mismatch, none stored | 1, rules: mismatch, these stored | 2 matched, no claim asked
 *   3 claimed | 4 already claimed, pending | 5, outcome: already claimed with this outcome
 *   6 recorded (or nothing to record) | -1, message: this op failed (the others still ran)
 */
const BATCH_SCRIPT = `
local out, n, k = {}, 0, 1
local function put(v) n = n + 1; out[n] = v end
for a = 1, #ARGV, 3 do
  local op = ARGV[a]
  if op == 'R' then
    local r = redis.pcall('SET', KEYS[k], ARGV[a + 1], 'EX', ARGV[a + 2], 'XX')
    k = k + 1
    if type(r) == 'table' and r.err then put(-1); put(r.err) else put(6) end
  else
    local cur = redis.pcall('GET', KEYS[k])
    local mk = KEYS[k + 1]
    k = k + 2
    if type(cur) == 'table' then
      put(-1); put(cur.err)
    else
      local same
      if op == 'n' or op == 'N' then same = (cur == false) else same = (cur == ARGV[a + 1]) end
      if not same then
        if cur == false then put(0) else put(1); put(cur) end
      elseif op == 'n' or op == 'e' then
        put(2)
      else
        local old = redis.pcall('SET', mk, '', 'NX', 'GET', 'EX', ARGV[a + 2])
        if type(old) == 'table' then put(-1); put(old.err)
        elseif old == false then put(3)
        elseif old == '' then put(4)
        else put(5); put(old) end
      end
    end
  end
end
return out
`;

// Answers without a string are shared (frozen): most admissions are one of these.
const MATCHED: Admission = Object.freeze({ rulesMatched: true });
const CLAIMED: Admission = Object.freeze({ rulesMatched: true, claim: Object.freeze({ claimed: true }) });
const PENDING: Admission = Object.freeze({ rulesMatched: true, claim: Object.freeze({ claimed: false }) });
const NO_RULES: Admission = Object.freeze({ rulesMatched: false, rules: null });

/** Which store method a queued call answers (named in its error). */
export type BatchCall = 'admitMessage' | 'recordOutcome';

/** The calls of one script call, in order; arrays side by side (no object per call). */
export interface BatchWaiters {
  readonly calls: BatchCall[];
  readonly resolves: Array<(v: Admission | undefined) => void>;
  readonly rejects: Array<(e: StoreError) => void>;
}

class Batch implements BatchWaiters {
  readonly keys: string[] = [];
  readonly argv: string[] = [];
  readonly calls: BatchCall[] = [];
  readonly resolves: Array<(v: Admission | undefined) => void> = [];
  readonly rejects: Array<(e: StoreError) => void> = [];
  chars = 0;
}

/**
 * Settles every waiter from the script's reply (pure: exported for unit tests). A reply that does
 * not parse rejects the calls from the first one it cannot answer on; none is left unsettled.
 */
export function settleBatch(reply: unknown, w: BatchWaiters): void {
  const r = Array.isArray(reply) ? (reply as unknown[]) : [];
  let j = 0;
  const text = (): string | undefined => (typeof r[j] === 'string' ? (r[j++] as string) : undefined);
  for (let i = 0; i < w.calls.length; i++) {
    const call = w.calls[i]!;
    const code = r[j++];
    if (code === -1) {
      const msg = text();
      if (msg === undefined) return failBatch(w, new Error('unexpected reply from the batch script'), i);
      w.rejects[i]!(new StoreError(`Redis ${call} failed: ${msg}`));
      continue;
    }
    let v: Admission | undefined;
    let ok = true;
    if (call === 'recordOutcome') ok = code === 6;
    else if (code === 0) v = NO_RULES;
    else if (code === 2) v = MATCHED;
    else if (code === 3) v = CLAIMED;
    else if (code === 4) v = PENDING;
    else if (code === 1 || code === 5) {
      const s = text();
      if (s === undefined) ok = false;
      else v = code === 1 ? { rulesMatched: false, rules: s } : { rulesMatched: true, claim: { claimed: false, outcome: s } };
    } else ok = false;
    // Lost our place in the reply: nothing from here on can be trusted.
    if (!ok) return failBatch(w, new Error('unexpected reply from the batch script'), i);
    w.resolves[i]!(v);
  }
}

/** Rejects the calls from index `from` on with a StoreError naming each method. */
export function failBatch(w: BatchWaiters, err: unknown, from = 0): void {
  const msg = err instanceof Error ? err.message : String(err);
  for (let i = from; i < w.calls.length; i++) {
    w.rejects[i]!(err instanceof StoreError ? err : new StoreError(`Redis ${w.calls[i]!} failed: ${msg}`, { cause: err }));
  }
}

interface BatchCommand { [BATCH_COMMAND](numKeys: number, keys: string[], argv: string[]): Promise<unknown> }

/** Queues admitMessage and recordOutcome calls of one connection and sends each turn's as one script call. */
export class MessageBatcher {
  private current = new Batch();
  private scheduled = false;
  /** Script calls sent (tests and the micro benchmark read it). */
  sent = 0;

  constructor(private readonly r: Redis) {
    r.defineCommand(BATCH_COMMAND, { lua: BATCH_SCRIPT });
    // Written at once when flushed (see the module comment); a fresh array: the default one may be shared.
    r.options.autoPipeliningIgnoredCommands = [...(r.options.autoPipeliningIgnoredCommands ?? []), BATCH_COMMAND];
  }

  /** Store.admitMessage's contract; keys already built (keys.ts). */
  admit(rulesKey: string, messageKey: string, expectedRules: string | null, ttl: string, claim: boolean): Promise<Admission> {
    const mode = expectedRules === null ? (claim ? 'N' : 'n') : (claim ? 'E' : 'e');
    const expected = expectedRules ?? '';
    const b = this.batchFor(rulesKey.length + messageKey.length + expected.length + ttl.length + 1);
    b.keys.push(rulesKey, messageKey);
    b.argv.push(mode, expected, ttl);
    b.calls.push('admitMessage');
    return new Promise<Admission>((resolve, reject) => {
      b.resolves.push(resolve as (v: Admission | undefined) => void);
      b.rejects.push(reject);
    });
  }

  /** Store.recordOutcome's contract (SET XX with a TTL). */
  record(messageKey: string, outcome: string, ttl: string): Promise<void> {
    const b = this.batchFor(messageKey.length + outcome.length + ttl.length + 1);
    b.keys.push(messageKey);
    b.argv.push('R', outcome, ttl);
    b.calls.push('recordOutcome');
    return new Promise<void>((resolve, reject) => {
      b.resolves.push(resolve as (v: Admission | undefined) => void);
      b.rejects.push(reject);
    });
  }

  /** The batch a call of `chars` characters joins: a full one is sent first. */
  private batchFor(chars: number): Batch {
    let b = this.current;
    if (b.calls.length > 0 && (b.calls.length >= MAX_BATCH_ITEMS || b.chars + chars > MAX_BATCH_CHARS)) {
      this.send(b);
      b = this.current = new Batch();
    }
    b.chars += chars;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
    return b;
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    const b = this.current;
    if (b.calls.length === 0) return;
    this.current = new Batch();
    this.send(b);
  };

  private send(b: Batch): void {
    this.sent++;
    let p: Promise<unknown>;
    try {
      p = (this.r as unknown as BatchCommand)[BATCH_COMMAND](b.keys.length, b.keys, b.argv);
    } catch (err) {
      failBatch(b, err);
      return;
    }
    p.then((reply) => settleBatch(reply, b), (err: unknown) => failBatch(b, err));
  }
}
