/**
 * A loop or a spent hop count that came back over XMPP (as <not-acceptable/>) is still answered
 * 482 / 483 to a SIP sender (RFC 3261 8.2.2.2, 16.3), not the RFC 7247 mapping of the condition.
 */
import { outcomeToStatus } from '../../../../adapters/sip/from-canonical';

describe('outcomeToStatus for loops', () => {
  it.each([['loop-detected', 482], ['too-many-hops', 483]] as const)('%s with remote.xmpp not-acceptable -> %d', (code, status) => {
    expect(outcomeToStatus({ status: 'failed', code, remote: { xmpp: 'not-acceptable' } }).status).toBe(status);
  });

  it('other codes keep the RFC 7247 mapping of the XMPP condition', () => {
    expect(outcomeToStatus({ status: 'failed', code: 'unsupported-media-type', remote: { xmpp: 'not-acceptable' } }).status).toBe(406);
  });
});
