/**
 * The verdict RFC 4475 gives each torture message, as this gateway (a user agent server that
 * serves MESSAGE, SUBSCRIBE, NOTIFY, PUBLISH and OPTIONS) meets it. `status` is the response the
 * adapter sends; 'accept' means processed normally (OPTIONS answered 200, MESSAGE delivered);
 * 'drop' means a response silently discarded. `phrase` must appear in the reason phrase.
 */
export interface Verdict {
  readonly section: string;
  readonly status: number | 'accept' | 'drop';
  readonly phrase?: RegExp;
  /** A received response that parses (and is then dropped for want of a transaction). */
  readonly response?: true;
}

export const VERDICTS: Readonly<Record<string, Verdict>> = {
  // 3.1.1 valid messages: parsers must accept them. INVITE/REGISTER are not served: 405.
  wsinv: { section: '3.1.1.1', status: 405 },
  intmeth: { section: '3.1.1.2', status: 501 },
  esc01: { section: '3.1.1.3', status: 405 },
  escnull: { section: '3.1.1.4', status: 405 },
  esc02: { section: '3.1.1.5', status: 501 },
  lwsdisp: { section: '3.1.1.6', status: 'accept' },
  longreq: { section: '3.1.1.7', status: 405 },
  dblreq: { section: '3.1.1.8', status: 405 },
  semiuri: { section: '3.1.1.9', status: 'accept' },
  transports: { section: '3.1.1.10', status: 'accept' },
  mpart01: { section: '3.1.1.11', status: 'accept' },
  unreason: { section: '3.1.1.12', status: 'drop', response: true },
  noreason: { section: '3.1.1.13', status: 'drop', response: true },
  // 3.1.2 invalid messages.
  badinv01: { section: '3.1.2.1', status: 400, phrase: /empty parameter/ },
  clerr: { section: '3.1.2.2', status: 400, phrase: /Content-Length larger/ },
  ncl: { section: '3.1.2.3', status: 400, phrase: /Content-Length/ },
  scalar02: { section: '3.1.2.4', status: 400, phrase: /CSeq|Max-Forwards/ },
  scalarlg: { section: '3.1.2.5', status: 'drop' },
  quotbal: { section: '3.1.2.6', status: 400, phrase: /unterminated quoted string/ },
  ltgtruri: { section: '3.1.2.7', status: 400, phrase: /Request-URI enclosed in <>/ },
  lwsruri: { section: '3.1.2.8', status: 400, phrase: /Request-URI contains white space/ },
  lwsstart: { section: '3.1.2.9', status: 400, phrase: /Request-Line/ },
  trws: { section: '3.1.2.10', status: 400, phrase: /Request-Line/ },
  escruri: { section: '3.1.2.11', status: 400, phrase: /escaped headers/ },
  baddate: { section: '3.1.2.12', status: 400, phrase: /Date/ },
  regbadct: { section: '3.1.2.13', status: 400, phrase: /enclosed in <>|requires <>/ },
  badaspec: { section: '3.1.2.14', status: 400, phrase: /white space inside/ },
  baddn: { section: '3.1.2.15', status: 400, phrase: /From|To/ },
  badvers: { section: '3.1.2.16', status: 505 },
  mismatch01: { section: '3.1.2.17', status: 400, phrase: /CSeq method/ },
  mismatch02: { section: '3.1.2.18', status: 501 },
  bigcode: { section: '3.1.2.19', status: 'drop' },
  // 3.2 transaction layer: fall back to the RFC 2543 transaction identifier.
  badbranch: { section: '3.2.1', status: 'accept' },
  // 3.3 application layer.
  insuf: { section: '3.3.1', status: 400, phrase: /Missing From, To, Call-ID/ },
  unkscm: { section: '3.3.2', status: 416 },
  novelsc: { section: '3.3.3', status: 416 },
  unksm2: { section: '3.3.4', status: 405 },
  bext01: { section: '3.3.5', status: 420 },
  invut: { section: '3.3.6', status: 415 },
  regaut01: { section: '3.3.7', status: 405 },
  multi01: { section: '3.3.8', status: 400, phrase: /Multiple/ },
  mcl01: { section: '3.3.9', status: 400, phrase: /Multiple Content-Length/ },
  bcast: { section: '3.3.10', status: 'drop', response: true },
  zeromf: { section: '3.3.11', status: 'accept' },
  cparam01: { section: '3.3.12', status: 405 },
  cparam02: { section: '3.3.13', status: 405 },
  regescrt: { section: '3.3.14', status: 405 },
  sdp01: { section: '3.3.15', status: 406 },
  inv2543: { section: '3.4.1', status: 405 },
  // In the archive but not described in section 3: a header line without a colon, no Via/CSeq.
  test: { section: '(archive only)', status: 400, phrase: /Request-Line/ },
};
