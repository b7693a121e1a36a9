/**
 * RFC 2782 ("Usage rules") ordering of SRV records, shared by the gateway's domain lookup
 * (gateway/resolver.ts) and the SIP adapter's RFC 3263 server location (adapters/sip/resolve.ts:
 * RFC 3263 4.2, "the procedures of RFC 2782, as described in the section titled "Usage rules" are
 * followed"). Pure: the random source is a parameter.
 */

/** The fields of an SRV record the ordering reads (node:dns SrvRecord has them). */
export interface SrvLike {
  readonly priority: number;
  readonly weight: number;
  readonly port: number;
  readonly name: string;
}

/**
 * RFC 2782: 'A Target of "." means that the service is decidedly not available at this domain.'
 * (node:dns gives the root name as "" or ".").
 */
export function usableSrv<T extends SrvLike>(records: readonly T[]): T[] {
  return records.filter((r) => r.name !== '' && r.name !== '.');
}

/**
 * The order in which to try the records: ascending priority; within one priority, weighted random
 * selection. RFC 2782: "arrange all SRV RRs (that have not been ordered yet) in any order, except
 * that all those with weight 0 are placed at the beginning of the list. Compute the sum of the
 * weights of those RRs, and with each RR associate the running sum in the selected order. Then
 * choose a uniform random number between 0 and the sum computed (inclusive), and select the RR
 * whose running sum value is the first in the selected order which is greater than or equal to
 * the random number selected." Records with target "." are dropped. At most 1,000 records are
 * ordered (a DNS answer holds far fewer); `random` returns [0, 1).
 */
export function orderSrv<T extends SrvLike>(records: readonly T[], random: () => number = Math.random): T[] {
  const usable = usableSrv(records).slice(0, 1000);
  const priorities = [...new Set(usable.map((r) => r.priority))].sort((a, b) => a - b);
  const out: T[] = [];
  for (const p of priorities) {
    const left = usable.filter((r) => r.priority === p).sort((a, b) => (a.weight === 0 ? 0 : 1) - (b.weight === 0 ? 0 : 1));
    while (left.length > 0) {
      const sum = left.reduce((s, r) => s + Math.max(0, r.weight), 0);
      // Uniform integer in 0..sum inclusive.
      const pick = Math.min(sum, Math.floor(random() * (sum + 1)));
      let running = 0;
      let i = left.findIndex((r) => (running += Math.max(0, r.weight)) >= pick);
      if (i < 0) i = 0;
      out.push(left.splice(i, 1)[0]!);
    }
  }
  return out;
}
