/**
 * XML 1.0 (fifth edition) character-level rules: the Char production (2.2), the Name and
 * NCName productions (2.3; Namespaces in XML 1.0 section 3), and UTF-8 validity.
 *
 * Pure: no I/O.
 */

const START = ':A-Z_a-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C\\u200D\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD\\u{10000}-\\u{EFFFF}';
const MORE = '\\-.0-9\\u00B7\\u0300-\\u036F\\u203F\\u2040';

/** XML 1.0 2.3: Name ::= NameStartChar (NameChar)* */
const NAME = new RegExp(`^[${START}][${START}${MORE}]*$`, 'u');
/** An NCName: a Name without ':' (the lexical space of xs:ID). */
const NCNAME = new RegExp(`^[${START.slice(1)}][${START.slice(1)}${MORE}]*$`, 'u');

export function isXmlName(s: string): boolean {
  return NAME.test(s);
}

/** Namespaces in XML 1.0 NCName; also what XML Schema's xs:ID accepts. */
export function isNcName(s: string): boolean {
  return NCNAME.test(s);
}

/**
 * XML 1.0 2.2: "Char ::= #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]"
 */
export function isXmlChar(cp: number): boolean {
  return cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

const hex = (cp: number): string => cp.toString(16).toUpperCase().padStart(4, '0');

/**
 * The first fault in one pass over the input: bytes that are not UTF-8 (overlong forms and
 * surrogates included) or a character that is not a Char. After this passes, a reader can treat
 * any byte >= 0x80 as part of a valid character.
 */
export function findInvalidChar(b: Uint8Array): { offset: number; message: string } | undefined {
  const n = b.length;
  let k = 0;
  while (k < n) {
    const c = b[k]!;
    if (c < 0x80) {
      if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) {
        return { offset: k, message: `character U+${hex(c)} is not allowed in XML (section 2.2, Char)` };
      }
      k++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    let cp: number;
    if (c >= 0xc2 && c <= 0xdf) { need = 1; cp = c & 0x1f; }
    else if (c >= 0xe0 && c <= 0xef) { need = 2; cp = c & 0x0f; if (c === 0xe0) lo = 0xa0; if (c === 0xed) hi = 0x9f; }
    else if (c >= 0xf0 && c <= 0xf4) { need = 3; cp = c & 0x07; if (c === 0xf0) lo = 0x90; if (c === 0xf4) hi = 0x8f; }
    else return { offset: k, message: `invalid UTF-8 byte 0x${c.toString(16)}` };
    for (let j = 1; j <= need; j++) {
      const d = b[k + j];
      if (d === undefined || d < (j === 1 ? lo : 0x80) || d > (j === 1 ? hi : 0xbf)) return { offset: k, message: 'invalid UTF-8 sequence' };
      cp = (cp << 6) | (d & 0x3f);
    }
    if (!isXmlChar(cp)) return { offset: k, message: `character U+${hex(cp)} is not allowed in XML (section 2.2, Char)` };
    k += need + 1;
  }
  return undefined;
}

/**
 * 1-based line and column (in characters) of a byte offset in UTF-8 input, as "line:column".
 * Used in error messages; runs only when reporting an error.
 */
export function lineColumn(input: Uint8Array, offset: number): string {
  let line = 1;
  let col = 1;
  const end = Math.min(offset, input.length);
  for (let i = 0; i < end; i++) {
    const b = input[i]!;
    if (b === 0x0a) { line++; col = 1; } else if ((b & 0xc0) !== 0x80) col++;
  }
  return `${line}:${col}`;
}
