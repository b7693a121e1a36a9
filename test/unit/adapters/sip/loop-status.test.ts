/**
 * Toward a SIP sender: a failure whose far side was an XMPP entity keeps the RFC 7247 mapping of
 * its condition; a Switchboard peer's stable code (read without a condition, see the XMPP
 * adapter's inbound.ts) is mapped by the error table, so a loop or a spent hop count that came
 * back over XMPP is still 482 / 483 (RFC 3261 8.2.2.2, 16.3).
 */
import { outcomeToStatus } from '../../../../adapters/sip/from-canonical';

describe('outcomeToStatus', () => {
  it.each([['loop-detected', 482], ['too-many-hops', 483], ['sender-blocked', 403], ['recipient-offline', 480]] as const)(
    'a stable code %s from a Switchboard peer -> %d', (code, status) => {
      expect(outcomeToStatus({ status: 'failed', code, remote: { text: 'why' } }).status).toBe(status);
    },
  );

  it('an XMPP condition from another entity keeps the RFC 7247 mapping', () => {
    expect(outcomeToStatus({ status: 'failed', code: 'unsupported-media-type', remote: { xmpp: 'not-acceptable' } }).status).toBe(406);
    expect(outcomeToStatus({ status: 'failed', code: 'forbidden', remote: { xmpp: 'service-unavailable' } }).status).toBe(403);
  });

  it('a SIP far side\'s own status wins', () => {
    expect(outcomeToStatus({ status: 'failed', code: 'loop-detected', remote: { sip: 482, text: 'Loop Detected' } })).toEqual({ status: 482, phrase: 'Loop Detected' });
  });
});
