/** Test helper: a SIP request text (CRLF lines) parsed strictly as a datagram, or the fault thrown. */
import { parseSip, type CheckedRequest } from '../../../../adapters/sip/wire-validate';

export function parseRequestFixture(lines: readonly string[]): CheckedRequest {
  const p = parseSip(Buffer.from(lines.join('\r\n'), 'latin1'), true);
  if (!p.ok || p.message.kind !== 'request') throw new Error(`fixture did not parse: ${p.ok ? 'not a request' : p.error.phrase}`);
  return p.message;
}
