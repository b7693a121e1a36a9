/**
 * The Switchboard error code as an application-specific condition of a stanza error (RFC 6120
 * 8.3.2): written by buildErrorReply, read back by readMessage, so two gateways joined through
 * XMPP agree on loop-detected vs too-many-hops (both <not-acceptable/>).
 */
import { buildErrorReply, parseStanzas, readMessage } from '../../../../adapters/xmpp/wire';

describe('error code element', () => {
  it.each(['loop-detected', 'too-many-hops'])('%s survives a reply and a read', (code) => {
    const el = buildErrorReply({ name: 'message', from: 'a@x.test/r', to: 'b@y.test', id: 'm1' }, 'not-acceptable', 'cancel', 'why', code);
    const xml = el.toString();
    expect(xml).toContain(`<${code} xmlns="urn:switchboard:error:0"/>`);
    const m = readMessage(parseStanzas(xml)[0]!);
    expect(m.error).toEqual({ type: 'cancel', condition: 'not-acceptable', text: 'why', code });
  });

  it('is absent unless given, and a malformed name is not written', () => {
    expect(buildErrorReply({ name: 'message', id: 'm1' }, 'not-acceptable', 'cancel').toString()).not.toContain('switchboard:error');
    expect(buildErrorReply({ name: 'message', id: 'm1' }, 'not-acceptable', 'cancel', undefined, 'Bad Name').toString()).not.toContain('switchboard:error');
  });
});
