/**
 * The error registry: every code has a complete row, and the SIP <-> XMPP mappings reproduce
 * RFC 7247 section 7, tables 2 and 3, row by row (copied from ../shared/rfc/rfc7247.txt). Changing a
 * row in canonical/errors.ts makes this test fail.
 */
import {
  ERROR_CODES, ERROR_TABLE, ParseError, RemoteRejection, SwitchboardError, XMPP_CONDITIONS, errorCodeFromSipStatus,
  errorCodeFromXmppCondition, isErrorCode, sipStatusToXmppCondition, xmppConditionToSipStatus, type XmppCondition,
} from '../../../canonical/errors';

const XMPP_TYPES = ['auth', 'cancel', 'continue', 'modify', 'wait'];

describe('ERROR_TABLE', () => {
  it('has exactly one row per ERROR_CODES entry', () => {
    expect(Object.keys(ERROR_TABLE).sort()).toEqual([...ERROR_CODES].sort());
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
  });

  it.each([...ERROR_CODES])('%s has a complete row', (code) => {
    const row = ERROR_TABLE[code];
    expect(Number.isInteger(row.sip)).toBe(true);
    expect(row.sip).toBeGreaterThanOrEqual(300);
    expect(row.sip).toBeLessThanOrEqual(699);
    expect(row.sipReason).toMatch(/^[A-Z][A-Za-z/ -]+$/);
    expect(XMPP_CONDITIONS).toContain(row.xmpp.condition);
    expect(XMPP_TYPES).toContain(row.xmpp.type);
    expect(Number.isInteger(row.http)).toBe(true);
    expect(row.http).toBeGreaterThanOrEqual(400);
    expect(row.http).toBeLessThanOrEqual(599);
    expect(row.text.trim().length).toBeGreaterThan(5);
    expect(isErrorCode(code)).toBe(true);
  });

  it('is frozen', () => {
    expect(Object.isFrozen(ERROR_TABLE)).toBe(true);
    expect(Object.isFrozen(ERROR_TABLE['bad-request'])).toBe(true);
    expect(Object.isFrozen(ERROR_TABLE['bad-request'].xmpp)).toBe(true);
  });

  it('pairs SIP status and XMPP condition as RFC 7247 table 3 does, except the listed refinements', () => {
    // RFC 7247 7.2 notes (3)-(5) name alternatives; the rest are deliberate refinements where the
    // gateway itself knows more than a bare status: each is listed here so that a new one fails.
    const alternatives: Record<number, XmppCondition[]> = {
      403: ['not-allowed', 'policy-violation'],
      404: ['remote-server-not-found'],
      408: ['remote-server-not-found'],
    };
    const refinements: Record<string, XmppCondition> = {
      'address-malformed': 'jid-malformed',
      'conflict': 'conflict',
      'service-unavailable': 'remote-server-timeout',
      'rate-limited': 'resource-constraint',
      'conditional-request-failed': 'item-not-found',
    };
    for (const code of ERROR_CODES) {
      const row = ERROR_TABLE[code];
      const refined = refinements[code];
      if (refined !== undefined) {
        expect([code, row.xmpp.condition]).toEqual([code, refined]);
        continue;
      }
      const allowed = [sipStatusToXmppCondition(row.sip), ...(alternatives[row.sip] ?? [])];
      expect([code, allowed.includes(row.xmpp.condition)]).toEqual([code, true]);
    }
  });

  it('maps the loop defences to 482 and 483 (RFC 3261 21.4.20-21)', () => {
    expect(ERROR_TABLE['loop-detected'].sip).toBe(482);
    expect(ERROR_TABLE['too-many-hops'].sip).toBe(483);
  });
});

/** RFC 7247 7.1, Table 2 (XMPP -> SIP): [condition, full JID, bare JID]. */
const TABLE_2: readonly [XmppCondition, number, number][] = [
  ['bad-request', 400, 400],
  ['conflict', 400, 400],
  ['feature-not-implemented', 405, 501], // note 1: 405 full JID, 501 bare JID
  ['forbidden', 403, 603], // note 2: 4xx full, 6xx bare
  ['internal-server-error', 500, 500],
  ['item-not-found', 404, 604],
  ['jid-malformed', 400, 400],
  ['not-acceptable', 406, 606],
  ['not-allowed', 403, 403],
  ['not-authorized', 401, 401],
  ['policy-violation', 403, 403],
  ['recipient-unavailable', 480, 600],
  ['redirect', 302, 302],
  ['registration-required', 407, 407],
  ['remote-server-not-found', 404, 404], // "404 or 408 (4)": 404 for a server that does not exist
  ['remote-server-timeout', 408, 408],
  ['resource-constraint', 500, 500],
  ['service-unavailable', 403, 403], // note 5: 503 NOT RECOMMENDED; 403 or 405 closest
  ['subscription-required', 400, 400],
  ['undefined-condition', 400, 400],
  ['unexpected-request', 491, 491], // "491 or 400"
];

describe('RFC 7247 table 2: xmppConditionToSipStatus', () => {
  it('covers every defined condition but <gone/> (tested below)', () => {
    expect([...TABLE_2.map((r) => r[0]), 'gone'].sort()).toEqual([...XMPP_CONDITIONS].sort());
  });

  it.each(TABLE_2)('<%s/> -> %i (full JID), %i (bare JID)', (condition, full, bareStatus) => {
    expect(xmppConditionToSipStatus(condition)).toBe(full);
    expect(xmppConditionToSipStatus(condition, { bareJid: false })).toBe(full);
    expect(xmppConditionToSipStatus(condition, { bareJid: true })).toBe(bareStatus);
  });

  it('<gone/> -> 301 with a new address, 410 without (note 3)', () => {
    expect(xmppConditionToSipStatus('gone', { gone: { newAddress: 'xmpp:romeo@example.net' } })).toBe(301);
    expect(xmppConditionToSipStatus('gone')).toBe(410);
    expect(xmppConditionToSipStatus('gone', { gone: {} })).toBe(410);
  });

  it('never maps <service-unavailable/> to 503 (note 5)', () => {
    expect(xmppConditionToSipStatus('service-unavailable')).not.toBe(503);
    expect(xmppConditionToSipStatus('service-unavailable', { bareJid: true })).not.toBe(503);
  });
});

/** RFC 7247 7.2, Table 3 (SIP -> XMPP), every listed code. */
const TABLE_3: readonly [number, XmppCondition][] = [
  [300, 'redirect'], [301, 'gone'], [302, 'redirect'], [305, 'redirect'], [380, 'not-acceptable'],
  [400, 'bad-request'], [401, 'not-authorized'], [402, 'bad-request'], [403, 'forbidden'],
  [404, 'item-not-found'], [405, 'feature-not-implemented'], [406, 'not-acceptable'],
  [407, 'registration-required'], [408, 'remote-server-timeout'], [410, 'gone'],
  [413, 'policy-violation'], [414, 'policy-violation'], [415, 'not-acceptable'], [416, 'not-acceptable'],
  [420, 'feature-not-implemented'], [421, 'not-acceptable'], [423, 'resource-constraint'],
  [430, 'recipient-unavailable'], [439, 'feature-not-implemented'], [440, 'policy-violation'],
  [480, 'recipient-unavailable'], [481, 'item-not-found'], [482, 'not-acceptable'], [483, 'not-acceptable'],
  [484, 'item-not-found'], [485, 'item-not-found'], [486, 'recipient-unavailable'],
  [487, 'recipient-unavailable'], [488, 'not-acceptable'], [489, 'policy-violation'],
  [491, 'unexpected-request'], [493, 'bad-request'],
  [500, 'internal-server-error'], [501, 'feature-not-implemented'], [502, 'remote-server-not-found'],
  [503, 'internal-server-error'], [504, 'remote-server-timeout'], [505, 'not-acceptable'],
  [513, 'policy-violation'],
  [600, 'recipient-unavailable'], [603, 'recipient-unavailable'], [604, 'item-not-found'], [606, 'not-acceptable'],
];

/** 7.2: "map a 3xx-series code to <redirect/>, a 4xx-series code to <bad-request/>, a 5xx-series
 * code to <internal-server-error>, and a 6xx-series code to <recipient-unavailable/>." */
function classDefault(status: number): XmppCondition {
  if (status < 400) return 'redirect';
  if (status < 500) return 'bad-request';
  if (status < 600) return 'internal-server-error';
  return 'recipient-unavailable';
}

describe('RFC 7247 table 3: sipStatusToXmppCondition', () => {
  it.each(TABLE_3)('%i -> <%s/>', (status, condition) => {
    expect(sipStatusToXmppCondition(status)).toBe(condition);
  });

  it('maps every other code 300..699 by its class, and nothing else specially', () => {
    const listed = new Map(TABLE_3);
    for (let status = 300; status <= 699; status++) {
      expect([status, sipStatusToXmppCondition(status)]).toEqual([status, listed.get(status) ?? classDefault(status)]);
    }
  });
});

describe('remote errors as stable codes', () => {
  it('every SIP status 300..699 gives a valid code', () => {
    for (let status = 300; status <= 699; status++) expect(isErrorCode(errorCodeFromSipStatus(status))).toBe(true);
  });
  it('every XMPP condition gives a valid code, unknown ones remote-error', () => {
    for (const c of XMPP_CONDITIONS) expect(isErrorCode(errorCodeFromXmppCondition(c))).toBe(true);
    expect(errorCodeFromXmppCondition('no-such-condition')).toBe('remote-error');
  });
  it.each<[number, string]>([
    [482, 'loop-detected'], [483, 'too-many-hops'], [404, 'unknown-user'], [408, 'timeout'], [480, 'recipient-offline'],
    [603, 'recipient-declined'], [599, 'remote-error'], [499, 'bad-request'],
  ])('SIP %i -> %s', (status, code) => {
    expect(errorCodeFromSipStatus(status)).toBe(code);
  });
});

describe('error classes', () => {
  it('SwitchboardError defaults its message to the table text', () => {
    const e = new SwitchboardError('loop-detected');
    expect(e.code).toBe('loop-detected');
    expect(e.message).toBe(ERROR_TABLE['loop-detected'].text);
    expect(e.name).toBe('SwitchboardError');
  });
  it('ParseError names the place', () => {
    const e = new ParseError('bad thing', 'line 3');
    expect(e.message).toBe('bad thing (at line 3)');
    expect(e.where).toBe('line 3');
    expect(e.code).toBe('bad-request');
    expect(e).toBeInstanceOf(SwitchboardError);
  });
  it('RemoteRejection keeps the far side status', () => {
    const e = new RemoteRejection('recipient-offline', { sip: 480 });
    expect(e.remote.sip).toBe(480);
    expect(e.message).toBe(ERROR_TABLE['recipient-offline'].text);
  });
  it('isErrorCode refuses unknown strings', () => {
    expect(isErrorCode('nope')).toBe(false);
  });
});
