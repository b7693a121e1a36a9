/**
 * The shortcuts of wire-grammar.ts give what the general grammar gives: Via's "SIP/2.0/UDP"
 * read in place, common parameter names taken as constants, faults naming a parameter as written.
 */
import { parseNameAddrHeader, parseViaList } from '../../../../adapters/sip/wire-grammar';

describe('Via sent-protocol', () => {
  test.each([
    ['SIP/2.0/UDP h.test;branch=z9hG4bKa', 'UDP'],
    ['sip/2.0/udp h.test;branch=z9hG4bKa', 'UDP'],
    ['SIP / 2.0 / TCP h.test', 'TCP'],
    ['SIP/2.0/UDPX h.test', 'UDPX'],
    ['SIP/2.0/TLS h.test:5061', 'TLS'],
    ['SIP/2.0/SCTP h.test', 'SCTP'],
  ])('%j -> %s', (v, transport) => {
    expect(parseViaList(v)[0]!.transport).toBe(transport);
  });
  test.each([
    ['SIP/2.0/UDP/h.test', /missing white space before sent-by/],
    ['SIP/2.0/UDP', /missing white space before sent-by/],
    ['SIP/2.1/UDP h.test', /unsupported sent-protocol SIP\/2.1/],
    ['SIP/2.0/UDP h.test;Branch=', /parameter Branch has an empty value/],
    ['SIP/2.0/UDP h.test;RECEIVED=a:b', /parameter RECEIVED has a malformed value/],
  ])('%j is refused: %s', (v, why) => {
    expect(() => parseViaList(v)).toThrow(why);
  });
});

describe('parameter names', () => {
  test('common and other names, any case, are lower-cased; values kept as written', () => {
    const via = parseViaList('SIP/2.0/UDP h.test;BRANCH=z9hG4bKX;rport;Received=1.2.3.4;x-Custom=Ab;TTL=5')[0]!;
    expect(via.params).toEqual({ branch: 'z9hG4bKX', rport: '', received: '1.2.3.4', 'x-custom': 'Ab', ttl: '5' });
    expect(via.branch).toBe('z9hG4bKX');
    expect(parseNameAddrHeader('<sip:a@b.test>;Tag=9f;tagx=1;ta=2', 'To').params).toEqual({ tag: '9f', tagx: '1', ta: '2' });
  });
});
