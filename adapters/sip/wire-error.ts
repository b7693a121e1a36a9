/**
 * The one error the SIP wire layer raises: a fault in a received message, with the status the
 * adapter answers it with and a reason phrase that names the fault (RFC 4475 verdicts).
 */
import { ParseError, type ErrorCode } from '../../canonical/errors';

/** A received SIP message that cannot be processed; `status` is the response to send. */
export class SipWireError extends ParseError {
  /** 400, 413, 416, 420, 501, 505, 513 ... */
  readonly status: number;
  /** Reason phrase for the response: names the fault, fits on one line (TEXT-UTF8, no CR/LF). */
  readonly phrase: string;
  /** Extra headers the response must carry (Unsupported for 420, Accept for 415, ...). */
  readonly extraHeaders: readonly (readonly [string, string])[];
  constructor(status: number, phrase: string, extraHeaders: readonly (readonly [string, string])[] = [], code?: ErrorCode) {
    super(phrase, undefined, code ?? codeFor(status));
    this.status = status;
    this.phrase = phrase.replace(/[\x00-\x1f\x7f]/g, ' ').slice(0, 200);
    this.extraHeaders = extraHeaders;
  }
}

function codeFor(status: number): ErrorCode {
  switch (status) {
    case 413: case 513: return 'payload-too-large';
    case 415: return 'unsupported-media-type';
    case 416: return 'unsupported-uri-scheme';
    case 420: return 'unsupported-extension';
    case 501: return 'not-implemented';
    default: return 'bad-request';
  }
}

/** Shorthand for the common case: 400 with a reason phrase naming the fault. */
export function bad(phrase: string): SipWireError {
  return new SipWireError(400, phrase);
}
