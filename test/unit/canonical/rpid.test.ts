import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildPidf, parsePidf } from '../../../canonical/pidf';
import { readRpid, rpidPersonXml, RPID_NS } from '../../../canonical/rpid';
import { childElements, parseXml } from '../../../canonical/xml';

const LT = '{urn:ietf:params:xml:ns:location-type}';

/** Reads RFC 4480 section 3 fragments (unprefixed, as printed) inside an RPID default namespace. */
function rpidOf(fragment: string) {
  const root = parseXml(new TextEncoder().encode(
    `<w xmlns="${RPID_NS}" xmlns:pt="urn:ietf:params:xml:ns:location-type">${fragment}</w>`)).root;
  const problems: string[] = [];
  return { rpid: readRpid(childElements(root), problems), problems };
}

describe('RPID view of the RFC 4480 section 4 example', () => {
  const doc = parsePidf(new Uint8Array(readFileSync(join(__dirname, '../../fixtures/pidf/rfc4480-4-example.xml'))));

  it('reads the person', () => {
    expect(doc.rpid.problems).toEqual([]);
    expect(doc.rpid.persons).toHaveLength(1);
    expect(doc.rpid.person).toEqual({
      id: 'p1',
      activities: { values: ['away'], other: [], notes: [{ text: 'Far away' }], from: '2005-05-30T12:00:00+05:00', until: '2005-05-30T17:00:00+05:00' },
      class: 'calendar',
      mood: { values: ['angry'], other: ['brooding'], notes: [] },
      placeIs: { audio: 'noisy' },
      placeType: { values: [`${LT}residence`], other: [], notes: [] },
      privacy: { values: ['unknown'], other: [], notes: [] },
      sphere: 'bowling league',
      statusIcon: 'http://example.com/play.gif',
      timeOffset: { minutes: -240 },
      deviceIds: [],
    });
  });

  it('reads the device and the tuples', () => {
    expect(doc.rpid.devices).toEqual([{
      id: 'pc147', deviceIds: ['urn:device:0003ba4811e3'],
      userInput: { value: 'idle', idleThreshold: 600, lastInput: '2004-10-21T13:20:00-05:00' },
    }]);
    const [t1, t2, t3] = doc.tuples;
    expect(t1!.rpid).toEqual({
      deviceIds: ['urn:device:0003ba4811e3'],
      relationship: { values: ['self'], other: [], notes: [] },
      serviceClass: { values: ['electronic'], other: [], notes: [] },
    });
    expect(t2!.rpid.relationship?.values).toEqual(['assistant']);
    expect(t3!.rpid).toMatchObject({ deviceIds: ['urn:x-mac:0003ba4811e3'], class: 'email', statusIcon: 'http://example.com/mail.png' });
  });
});

describe('RPID section 3 examples (fragments as printed in RFC 4480)', () => {
  const cases: [string, string, object][] = [
    ['3.2 activities', '<activities>\n  <note>Enjoying the morning paper</note>\n  <vacation/>\n  <breakfast/>\n  <other>reading</other>\n</activities>',
      { activities: { values: ['vacation', 'breakfast'], other: ['reading'], notes: [{ text: 'Enjoying the morning paper' }] } }],
    ['3.5 mood', "<mood>\n  <note>I'm ready for the bar BOF!</note>\n  <sleepy/>\n  <thirsty/>\n</mood>",
      { mood: { values: ['sleepy', 'thirsty'], other: [], notes: [{ text: "I'm ready for the bar BOF!" }] } }],
    ['3.6 place-is', '<place-is>\n  <audio>\n    <noisy />\n  </audio>\n  <video>\n    <dark />\n  </video>\n</place-is>',
      { placeIs: { audio: 'noisy', video: 'dark' } }],
    ['3.7 place-type', '<place-type>\n     <pt:street/>\n</place-type>', { placeType: { values: [`${LT}street`], other: [], notes: [] } }],
    ['3.8 privacy', '<privacy>\n  <text/>\n  <audio/>\n</privacy>', { privacy: { values: ['text', 'audio'], other: [], notes: [] } }],
    ['3.9 relationship', '<relationship>\n  <friend/>\n</relationship>', { relationship: { values: ['friend'], other: [], notes: [] } }],
    ['3.10 service-class', '<service-class><postal/></service-class>', { serviceClass: { values: ['postal'], other: [], notes: [] } }],
    ['3.11 sphere', '<sphere>\n  <home/>\n</sphere>', { sphere: 'home' }],
    ['3.12 status-icon', '<status-icon>http://www.example.com/playing.gif</status-icon>', { statusIcon: 'http://www.example.com/playing.gif' }],
    ['3.13 time-offset', '<time-offset description="America/New_York">-300\n</time-offset>', { timeOffset: { minutes: -300, description: 'America/New_York' } }],
    ['3.14 user-input', '<user-input idle-threshold="600"\n  last-input="2004-10-21T13:20:00.000-05:00">idle</user-input>',
      { userInput: { value: 'idle', idleThreshold: 600, lastInput: '2004-10-21T13:20:00.000-05:00' } }],
    ['3.14 user-input without attributes', '<user-input>idle</user-input>', { userInput: { value: 'idle' } }],
  ];
  it.each(cases)('%s', (_n, fragment, want) => {
    const { rpid, problems } = rpidOf(fragment);
    expect(problems).toEqual([]);
    expect(rpid).toEqual({ deviceIds: [], ...want });
  });
});

describe('RPID: malformed elements are left out and named, never fatal', () => {
  const cases: [string, string, RegExp][] = [
    ['user-input value', '<user-input>sleepy</user-input>', /<user-input> ignored: value "sleepy" is not active or idle/],
    ['idle-threshold not positive', '<user-input idle-threshold="0">idle</user-input>', /idle-threshold "0"/],
    ['time-offset not an integer', '<time-offset>-3.5</time-offset>', /<time-offset> ignored: value "-3.5"/],
    ['activities without a value', '<activities><note>n</note></activities>', /<activities> ignored: it names no value/],
    ['status-icon with an element', '<status-icon><x/></status-icon>', /<status-icon> ignored: it must hold text only/],
    ['place-is audio without a value', '<place-is><audio/></place-is>', /<place-is> ignored: <audio> names no value/],
  ];
  it.each(cases)('%s', (_n, fragment, re) => {
    const { rpid, problems } = rpidOf(fragment);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(re);
    expect(Object.keys(rpid)).toEqual(['deviceIds']);
  });

  it('a malformed RPID element in a document keeps the document and reports the problem', () => {
    const doc = parsePidf(new TextEncoder().encode('<?xml version="1.0"?><presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:r="urn:ietf:params:xml:ns:pidf:rpid" entity="pres:a@b"><tuple id="t"><status><basic>open</basic></status><r:user-input>maybe</r:user-input></tuple></presence>'));
    expect(doc.tuples[0]!.status.basic).toBe('open');
    expect(doc.tuples[0]!.rpid.userInput).toBeUndefined();
    expect(doc.rpid.problems).toEqual(['<r:user-input> ignored: value "maybe" is not active or idle']);
  });
});

describe('rpidPersonXml', () => {
  it('builds a person that reads back, unknown names as <other>', () => {
    const bytes = buildPidf({
      entity: 'pres:a@example.com', tuples: [{ id: 't', basic: 'open' }],
      rpid: { activities: ['away', 'reading <books> & more'], mood: ['happy'], sphere: 'work', timeOffset: -300, userInput: 'active', statusIcon: 'http://x.test/i.png', class: 'c1' },
    });
    const p = parsePidf(bytes).rpid.person;
    expect(p).toEqual({
      id: 'p1', deviceIds: [],
      activities: { values: ['away'], other: ['reading <books> & more'], notes: [] },
      mood: { values: ['happy'], other: [], notes: [] },
      sphere: 'work', timeOffset: { minutes: -300 }, userInput: { value: 'active' }, statusIcon: 'http://x.test/i.png', class: 'c1',
    });
  });

  it('refuses a bad id or time offset', () => {
    expect(() => rpidPersonXml({ id: '9p' })).toThrow(/not an XML ID/);
    expect(() => rpidPersonXml({ timeOffset: 1.5 })).toThrow(/time-offset 1.5/);
  });
});
