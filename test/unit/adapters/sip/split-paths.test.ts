/**
 * splitMessage reads header fields by index when the text holds no bare CR or LF, and line by
 * line (splitLines) when it does. The two must give the same fields: a generated header section
 * is split as is (index path) and with a bare-CR line appended (line path, which skips that line
 * as a fault), and the field lists compared.
 */
import fc from 'fast-check';
import { splitMessage } from '../../../../adapters/sip/wire-message';

const line = fc.oneof(
  fc.constantFrom('Via: SIP/2.0/UDP h.test;branch=z9hG4bKx', 'v:SIP/2.0/UDP h.test', 'From: <sip:a@b.test>;tag=1', 't: <sip:c@d.test>',
    'Call-ID: x@y', 'CSeq: 1 MESSAGE', 'X-Unknown: \x01ctl', 'X-Ok: fine', 'Max-Forwards:70', 'NoColon', ' folded continuation', '\tfolded tab',
    'Content-Type : text/plain ', 'Subject:   spaced   ', 'bad name: x', ': empty name', 'CALL-ID: upper', 'i: compact', 'Content-Length: 0'),
  fc.array(fc.constantFrom('a', 'B', '-', ':', ' ', '\t', ';', '=', 'é', '\x7f'), { minLength: 1, maxLength: 12 }).map((a) => a.join('')),
);

test('index path and line path give the same header fields', () => {
  fc.assert(fc.property(fc.array(line, { maxLength: 12 }), (lines) => {
    const head = ['MESSAGE sip:a@b.test SIP/2.0', ...lines].join('\r\n');
    const plain = splitMessage(Buffer.from(`${head}\r\n\r\n`, 'utf8'), true);
    const bare = splitMessage(Buffer.from(`${head}\r\nX-Bare: a\rb\r\n\r\n`, 'utf8'), true);
    expect(bare.message?.headers).toEqual(plain.message?.headers);
    expect(bare.fault).toBeDefined();
    if (plain.fault === undefined) expect(bare.fault!.phrase).toBe('Bare CR or LF in header section');
  }), { numRuns: 3_000 });
});
