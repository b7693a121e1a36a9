import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildPidf, parsePidf } from '../../../canonical/pidf';
import {
  activitiesToShow, pidfPriorityToXmpp, showToActivities, showXml, tupleShow, xmppPriorityToPidf,
} from '../../../canonical/pidf-xmpp';

describe('<show/> inside PIDF (RFC 7248 5.2 note 7)', () => {
  it('reads the show of RFC 7248 example 18 and none from example 19', () => {
    const read = (f: string) => parsePidf(new Uint8Array(readFileSync(join(__dirname, '../../fixtures/pidf', f))));
    expect(tupleShow(read('rfc7248-example18-show-away.xml').tuples[0]!)).toBe('away');
    expect(tupleShow(read('rfc7248-example19-closed.xml').tuples[0]!)).toBeUndefined();
  });

  it('builds a status carrying show and reads it back; refuses unknown values', () => {
    const doc = parsePidf(buildPidf({ entity: 'pres:j@example.com', tuples: [{ id: 'ID-balcony', basic: 'open', statusXml: [showXml('dnd')] }] }));
    expect(tupleShow(doc.tuples[0]!)).toBe('dnd');
    expect(doc.tuples[0]!.status.extensions[0]!.understood).toBe(true);
    expect(() => showXml('busy' as never)).toThrow(/not an XMPP show value/);
    const odd = parsePidf(buildPidf({ entity: 'pres:j@example.com', tuples: [{ id: 'a', basic: 'open', statusXml: ['<show xmlns="jabber:client">sleeping</show>'] }] }));
    expect(tupleShow(odd.tuples[0]!)).toBeUndefined();
  });
});

describe('priority (RFC 3922 5.1.7, RFC 7248 5.2 note 6)', () => {
  it('maps as the RFC example does and never maps negatives', () => {
    expect([0, 1, 2, 126, 127].map(xmppPriorityToPidf)).toEqual([0, 0.007, 0.015, 0.992, 1]);
    expect(xmppPriorityToPidf(-1)).toBeUndefined();
    expect(xmppPriorityToPidf(-128)).toBeUndefined();
    expect(xmppPriorityToPidf(128)).toBeUndefined();
  });

  it('is unique and inverts exactly over 0..127', () => {
    const all = Array.from({ length: 128 }, (_, k) => xmppPriorityToPidf(k)!);
    expect(new Set(all).size).toBe(128);
    all.forEach((p, k) => expect(pidfPriorityToXmpp(p)).toBe(k));
    expect(pidfPriorityToXmpp(1.5)).toBeUndefined();
  });
});

describe('show <-> RPID activities', () => {
  it.each([
    ['dnd', ['busy']], ['away', ['away']], ['xa', ['away']], ['chat', []], [undefined, []],
  ] as const)('%s -> %j', (show, acts) => expect(showToActivities(show)).toEqual(acts));

  it.each([
    [['on-the-phone'], 'dnd'], [['vacation'], 'xa'], [['lunch'], 'away'], [['working'], undefined], [[], undefined],
    [['away', 'busy'], 'dnd'],
  ] as const)('%j -> %s', (acts, show) => expect(activitiesToShow(acts)).toBe(show));

  it('round-trips dnd and away through activities', () => {
    expect(activitiesToShow(showToActivities('dnd'))).toBe('dnd');
    expect(activitiesToShow(showToActivities('away'))).toBe('away');
  });
});
