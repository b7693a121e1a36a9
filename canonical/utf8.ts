/**
 * Small byte helpers shared by the canonical parsers: strict UTF-8 validation with the offset of
 * the first bad byte, and decoding of byte ranges. Pure: no I/O.
 */

/**
 * Index of the first byte that does not belong to well-formed UTF-8 in `bytes[start, end)`, or
 * -1 when the range is valid. Strict as RFC 3629 section 4 is: no overlong forms, no surrogates
 * (U+D800..U+DFFF), nothing above U+10FFFF, no truncated sequences.
 *
 * RFC 3862 section 3.6 quotes an older, wider UTF-8; its NOTE says generators "SHOULD generate
 * UTF-8 that matches the more restricted specification in RFC 3629". We accept only that, since
 * every decoder between here and the recipient will.
 */
export function findInvalidUtf8(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let i = start;
  while (i < end) {
    const b0 = bytes[i]!;
    if (b0 < 0x80) { i += 1; continue; }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b0 >= 0xc2 && b0 <= 0xdf) need = 1;
    else if (b0 === 0xe0) { need = 2; lo = 0xa0; }
    else if (b0 === 0xed) { need = 2; hi = 0x9f; }
    else if (b0 >= 0xe1 && b0 <= 0xef) need = 2;
    else if (b0 === 0xf0) { need = 3; lo = 0x90; }
    else if (b0 === 0xf4) { need = 3; hi = 0x8f; }
    else if (b0 >= 0xf1 && b0 <= 0xf3) need = 3;
    else return i;
    // A sequence cut short by `end` is invalid at its lead byte (checked by `i + k >= end`).
    const b1 = bytes[i + 1];
    if (b1 === undefined || i + 1 >= end || b1 < lo || b1 > hi) return i;
    for (let k = 2; k <= need; k++) {
      const b = bytes[i + k];
      if (b === undefined || i + k >= end || b < 0x80 || b > 0xbf) return i;
    }
    i += need + 1;
  }
  return -1;
}

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Decode `bytes[start, end)` as UTF-8; the caller has validated it (fatal decoder as a backstop). */
export function decodeUtf8(bytes: Uint8Array, start = 0, end = bytes.length): string {
  return decoder.decode(bytes.subarray(start, end));
}

const encoder = new TextEncoder();

/** Encode a string as UTF-8. */
export function encodeUtf8(s: string): Uint8Array {
  return encoder.encode(s);
}

/** Concatenate byte arrays into one new array. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

/** Index of `needle` in `hay` at or after `from`, or -1. */
export function indexOfBytes(hay: Uint8Array, needle: Uint8Array, from = 0): number {
  const n = needle.length;
  if (n === 0) return from <= hay.length ? from : -1;
  const first = needle[0]!;
  const last = hay.length - n;
  for (let i = from; i <= last; i++) {
    if (hay[i] !== first) continue;
    let k = 1;
    while (k < n && hay[i + k] === needle[k]) k++;
    if (k === n) return i;
  }
  return -1;
}
