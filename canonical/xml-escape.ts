/**
 * Escaping for XML builders. The output of these always re-parses to the same string with
 * canonical/xml-reader, or the call throws: a string holding a character XML 1.0 cannot carry
 * at all (C0 controls other than tab/LF/CR, U+FFFE, U+FFFF, lone surrogates) is refused rather
 * than silently dropped.
 *
 * Pure: no I/O.
 */
import { SwitchboardError } from './errors';

/**
 * XML 1.0 section 2.2: "Char ::= #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] |
 * [#x10000-#x10FFFF]". The `u` flag makes a lone surrogate a match of its own.
 */
const NOT_CHAR = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

function checkChars(s: string, what: string): void {
  const m = NOT_CHAR.exec(s);
  if (m) {
    const cp = m[0].codePointAt(0)!;
    throw new SwitchboardError(
      'bad-request',
      `${what} holds U+${cp.toString(16).toUpperCase().padStart(4, '0')} at index ${m.index}, which XML 1.0 cannot carry (section 2.2, Char)`,
    );
  }
}

/**
 * Escapes character data. `&`, `<` and `>` become references (`>` so that `]]>` can never
 * appear); CR becomes `&#13;` because a literal CR would be normalized to LF by any reader
 * (XML 1.0 2.11).
 */
export function escapeXmlText(s: string): string {
  checkChars(s, 'text');
  return s.replace(/[&<>\r]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&#13;'));
}

/**
 * Escapes an attribute value for use inside double quotes. Tab, LF and CR become character
 * references because attribute-value normalization (XML 1.0 3.3.3) would turn literal ones into
 * spaces.
 */
export function escapeXmlAttr(s: string): string {
  checkChars(s, 'attribute value');
  return s.replace(/[&<>"\t\n\r]/g, (c) => {
    switch (c) {
      case '&': return '&amp;';
      case '<': return '&lt;';
      case '>': return '&gt;';
      case '"': return '&quot;';
      case '\t': return '&#9;';
      case '\n': return '&#10;';
      default: return '&#13;';
    }
  });
}
