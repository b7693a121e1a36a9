import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseSip } from '../../../../adapters/sip/wire-validate';
import { checkRequestPolicy } from '../../../../adapters/sip/request-policy';
import { VERDICTS } from './rfc4475-verdicts';

const DIR = join(__dirname, '../../../fixtures/sip');

/** What the adapter's pure layers decide for one datagram. */
function verdictOf(buf: Buffer): { status: number | 'accept' | 'drop'; phrase?: string; response?: boolean } {
  const r = parseSip(buf, true);
  if (!r.ok) {
    if (!r.message || r.message.kind === 'response') return { status: 'drop' };
    return { status: r.error.status, phrase: r.error.phrase };
  }
  if (r.message.kind === 'response') return { status: 'drop', response: true };
  const fault = checkRequestPolicy(r.message);
  return fault ? { status: fault.status, phrase: fault.phrase } : { status: 'accept' };
}

describe('RFC 4475 torture messages through the pure parser', () => {
  const files = readdirSync(DIR).filter((f) => f.startsWith('rfc4475-') && f.endsWith('.dat'));
  it('has all 50 archive messages and a verdict for each', () => {
    expect(files).toHaveLength(50);
    for (const f of files) expect(VERDICTS[f.slice(8, -4)]).toBeDefined();
  });
  it.each(Object.entries(VERDICTS))('%s (RFC 4475 %#)', (name, v) => {
    const got = verdictOf(readFileSync(join(DIR, `rfc4475-${name}.dat`)));
    expect(got.status).toBe(v.status);
    if (v.phrase) expect(got.phrase).toMatch(v.phrase);
    if (v.response) expect(got.response).toBe(true);
  });
});
