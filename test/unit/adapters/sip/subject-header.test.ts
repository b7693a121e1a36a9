/** An outbound MESSAGE carries the canonical subject as a Subject header (RFC 3261 20.36). */
import { messageParts } from '../../../../adapters/sip/from-canonical';
import type { MessageOp } from '../../../../canonical/operations';

const op = (subject?: MessageOp['subject']): MessageOp => ({
  kind: 'message', id: 'm1', from: { local: 'a', domain: 'x.test' }, to: { local: 'b', domain: 'y.test' },
  content: { type: 'text/plain', bytes: new Uint8Array() }, maxForwards: 70, trace: [],
  ...(subject ? { subject } : {}),
} as unknown as MessageOp);

describe('Subject header', () => {
  it.each([
    [[{ text: 'Olá ✓' }], [['Subject', 'Olá ✓']]],
    [[{ text: 'first', lang: 'en' }, { text: 'zweite', lang: 'de' }], [['Subject', 'first']]],
    [[{ text: 'two\r\nlines' }], []],
    [[{ text: '   ' }], []],
    [undefined, []],
  ])('%j -> %j', (subject, want) => {
    expect(messageParts(op(subject as MessageOp['subject']), []).headers.filter(([n]) => n === 'Subject')).toEqual(want);
  });
});
