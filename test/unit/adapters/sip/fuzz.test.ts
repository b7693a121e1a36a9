import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { StreamFramer } from '../../../../adapters/sip/wire-frame';
import { checkRequestPolicy } from '../../../../adapters/sip/request-policy';
import { parseSip } from '../../../../adapters/sip/wire-validate';

const DIR = join(__dirname, '../../../fixtures/sip');
const seeds = readdirSync(DIR).filter((f) => f.endsWith('.dat')).map((f) => readFileSync(join(DIR, f)));
const STATUSES = new Set([400, 413, 415, 416, 420, 501, 505, 513]);

/** Byte-level mutations of the torture messages: never a throw, always a verdict with a status. */
describe('malformed input never throws out of the parser', () => {
  it('random mutations (flip, insert, delete, truncate) of every torture message', () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: seeds.length - 1 }),
      fc.array(fc.tuple(fc.constantFrom('flip', 'insert', 'delete', 'cut'), fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
      fc.boolean(),
      (i, edits, datagram) => {
        let b = Buffer.from(seeds[i]!);
        for (const [op, pos, byte] of edits) {
          const p = b.length ? pos % b.length : 0;
          if (op === 'flip') b[p] = byte;
          else if (op === 'insert') b = Buffer.concat([b.subarray(0, p), Buffer.from([byte]), b.subarray(p)]);
          else if (op === 'delete') b = Buffer.concat([b.subarray(0, p), b.subarray(p + 1)]);
          else b = b.subarray(0, p);
        }
        const r = parseSip(b, datagram);
        if (!r.ok) return STATUSES.has(r.error.status) && !/[\r\n]/.test(r.error.phrase);
        if (r.message.kind === 'request') checkRequestPolicy(r.message);
        const f = new StreamFramer();
        f.push(b);
        return true;
      },
    ), { numRuns: 3000 });
  });

  it('arbitrary bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
      const r = parseSip(Buffer.from(bytes), true);
      return r.ok || STATUSES.has(r.error.status);
    }), { numRuns: 2000 });
  });
});
