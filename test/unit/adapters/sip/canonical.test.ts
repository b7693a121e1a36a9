import { messageParts, outcomeToStatus, sipUriFor, statusToOutcome } from '../../../../adapters/sip/from-canonical';
import { addressOf, sipMessageToOp, sipPublishToOp, targetOf, traceOf, unescapeTarget } from '../../../../adapters/sip/to-canonical';
import { checkRequestPolicy } from '../../../../adapters/sip/request-policy';
import { serverKey } from '../../../../adapters/sip/transactions';
import { parseSip, type CheckedRequest } from '../../../../adapters/sip/wire-validate';
import { ERROR_CODES, ERROR_TABLE } from '../../../../canonical/errors';

function req(extra: string, body = '', method = 'MESSAGE', ruri = 'sip:alice@api.example.test'): CheckedRequest {
  const b = Buffer.from(body, 'latin1');
  const p = parseSip(Buffer.concat([Buffer.from(`${method} ${ruri} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKq1\r\nFrom: <sip:bob%20b@sip.example.test>;tag=f1\r\nTo: <sip:alice@api.example.test>\r\nCall-ID: c1@h\r\nCSeq: 5 ${method}\r\n${extra}Content-Length: ${b.length}\r\n\r\n`, 'latin1'), b]), true);
  if (!p.ok) throw new Error(p.error.phrase);
  if (p.message.kind !== 'request') throw new Error('not a request');
  return p.message;
}

describe('sipToCanonical', () => {
  it('MESSAGE: addresses, exact body, hop count and trace', () => {
    const body = 'From: <im:bob@sip.example.test>\r\nTo: <im:alice@api.example.test>\r\n\r\nContent-Type: text/plain\r\n\r\nhi\r\n';
    const op = sipMessageToOp(req('Max-Forwards: 12\r\nSwitchboard-Trace: a.gw, b.gw\r\nSwitchboard-Trace: c.gw\r\nContent-Type: message/cpim\r\n', body), { transactionId: 't', sourceId: 's' });
    expect(op).toMatchObject({ from: { local: 'bob b', domain: 'sip.example.test' }, to: { local: 'alice', domain: 'api.example.test' }, maxForwards: 12, trace: ['a.gw', 'b.gw', 'c.gw'], content: { type: 'message/cpim' } });
    expect(Buffer.from(op.content.bytes).toString('latin1')).toBe(body);
    expect(op.id).toBe('sip:c1@h:5:f1');
  });
  it('absent Max-Forwards (RFC 2543 peers) counts as 70; a malformed trace is a 400', () => {
    expect(sipMessageToOp(req('Content-Type: text/plain\r\n', 'x'), { transactionId: 't', sourceId: 's' }).maxForwards).toBe(70);
    expect(() => traceOf(req('Switchboard-Trace: ok.gw, bad id\r\n'))).toThrow(/Switchboard-Trace/);
  });
  it('a sender without a user part is a 400; a target without one is a 404', () => {
    const noUser = parseSip(Buffer.from('MESSAGE sip:alice@api.example.test SIP/2.0\r\nVia: SIP/2.0/UDP h.test;branch=z9hG4bKx\r\nFrom: <sip:sip.example.test>;tag=1\r\nTo: <sip:alice@api.example.test>\r\nCall-ID: c\r\nCSeq: 1 MESSAGE\r\nContent-Type: text/plain\r\nContent-Length: 1\r\n\r\nx'), true);
    expect(noUser.ok).toBe(true);
    if (noUser.ok && noUser.message.kind === 'request') expect(() => sipMessageToOp(noUser.message as CheckedRequest, { transactionId: 't', sourceId: 's' })).toThrow(/From URI has no user part/);
    // A Request-URI without a user names the gateway host: the To URI is the target.
    expect(targetOf(req('', '', 'MESSAGE', 'sip:api.example.test'))).toEqual({ local: 'alice', domain: 'api.example.test' });
    expect(() => addressOf({ sip: { scheme: 'sip', host: 'x.test', params: {}, raw: 'sip:x.test' }, uri: 'sip:x.test', scheme: 'sip' })).toThrow(/no user part/);
  });
  it('the target is the Request-URI, or To when the Request-URI names the gateway host', () => {
    expect(targetOf(req('', '', 'MESSAGE', 'sip:carol@other.test'))).toEqual({ local: 'carol', domain: 'other.test' });
    expect(targetOf(req('', '', 'MESSAGE', 'sip:alice@127.0.0.1:5060'))).toEqual({ local: 'alice', domain: 'api.example.test' });
    expect(targetOf(req('', '', 'MESSAGE', 'im:dora@api.example.test'))).toEqual({ local: 'dora', domain: 'api.example.test' });
  });
  it('PUBLISH: a refresh has an etag and no document', () => {
    const op = sipPublishToOp(req('Event: presence\r\nSIP-If-Match: e1\r\n', '', 'PUBLISH'), { transactionId: 't', sourceId: 's' }, 60, 'e1');
    expect(op.document).toBeUndefined();
    expect(op).toMatchObject({ etag: 'e1', expires: 60, presentity: { local: 'alice' } });
  });
});

describe('canonicalToSip', () => {
  it('every error code maps to a final SIP status', () => {
    for (const code of ERROR_CODES) {
      const s = outcomeToStatus({ status: 'failed', code });
      expect(s.status).toBe(ERROR_TABLE[code].sip);
      expect(s.status).toBeGreaterThanOrEqual(400);
    }
  });
  it.each([
    [{ status: 'delivered' } as const, 200],
    [{ status: 'indeterminate' } as const, 202],
    [{ status: 'failed', code: 'recipient-offline', remote: { sip: 486, text: 'Busy Here' } } as const, 486],
    [{ status: 'failed', code: 'forbidden', remote: { xmpp: 'forbidden' } } as const, 403],
    [{ status: 'failed', code: 'loop-detected' } as const, 482],
    [{ status: 'failed', code: 'too-many-hops' } as const, 483],
  ])('outcome %j -> %i', (o, status) => {
    expect(outcomeToStatus(o).status).toBe(status);
  });
  it.each([[200, 'delivered'], [202, 'indeterminate'], [404, 'unknown-user'], [486, 'recipient-offline'], [603, 'recipient-declined'], [408, 'timeout'], [599, 'remote-error']])('SIP %i -> %s', (s, want) => {
    const o = statusToOutcome(s, 'x');
    expect(o.status === 'failed' ? o.code : o.status).toBe(want);
  });
  it('builds a MESSAGE with the trace header and escaped user parts', () => {
    const p = messageParts({ kind: 'message', id: 'i', transactionId: 't', from: { local: 'joe%example.org', domain: 'gw.test' }, to: { local: 'a b', domain: 'sip.test' }, content: { type: 'text/plain', bytes: new Uint8Array([1]) }, maxForwards: 5, trace: [], source: { protocol: 'json' } }, ['g1', 'g2']);
    expect(p.uri).toBe('sip:a%20b@sip.test');
    expect(p.from).toBe('<sip:joe%25example.org@gw.test>');
    expect(p.headers).toContainEqual(['Switchboard-Trace', 'g1, g2']);
    expect(sipUriFor({ local: 'x', domain: 'y.test' })).toBe('sip:x@y.test');
  });
});

describe('policy and transactions', () => {
  it('Require gets 420 with Unsupported; unknown body types 415 with Accept', () => {
    expect(checkRequestPolicy(req('Require: foo\r\n'))).toMatchObject({ status: 420, extraHeaders: [['Unsupported', 'foo']] });
    expect(checkRequestPolicy(req('Content-Type: application/x-unknown\r\n', 'z'))).toMatchObject({ status: 415 });
    expect(checkRequestPolicy(req('', '', 'REGISTER'))).toMatchObject({ status: 405 });
    expect(checkRequestPolicy(req('Content-Type: text/plain\r\n', 'ok'))).toBeUndefined();
    expect(checkRequestPolicy(req('Content-Type: text/plain\r\nContent-Encoding: gzip\r\n', 'zz'))).toMatchObject({ status: 415, extraHeaders: [['Accept-Encoding', 'identity']] });
    expect(checkRequestPolicy(req('Content-Type: text/plain\r\ne: identity\r\n', 'ok'))).toBeUndefined();
  });
  it('transaction keys: RFC 3261 branch with sent-by and method; RFC 2543 fallback for a bare cookie', () => {
    expect(serverKey(req(''))).toBe('3261|z9hG4bKq1|127.0.0.1:5070|MESSAGE');
    const old = parseSip(Buffer.from('OPTIONS sip:a@b.test SIP/2.0\r\nVia: SIP/2.0/UDP h.test;branch=z9hG4bK\r\nFrom: <sip:c@d.test>;tag=1\r\nTo: <sip:a@b.test>\r\nCall-ID: x\r\nCSeq: 8 OPTIONS\r\nl: 0\r\n\r\n'), true);
    expect(old.ok && old.message.kind === 'request' && serverKey(old.message as CheckedRequest)).toMatch(/^2543\|/);
  });
});

import { digestAuthorization, parseChallenge } from '../../../../adapters/sip/digest';

describe('digest (RFC 2617 3.5 example)', () => {
  it('computes the RFC 2617 example response', () => {
    const c = parseChallenge('Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"');
    expect(c).toMatchObject({ realm: 'testrealm@host.com', qop: ['auth', 'auth-int'] });
    const v = digestAuthorization(c!, { username: 'Mufasa', password: 'Circle Of Life' }, 'GET', '/dir/index.html', { cnonce: '0a4f113b', nc: 1 });
    expect(v).toContain('response="6629fae49393a05397450978507c4ef1"');
    expect(v).toContain('nc=00000001');
  });
  it('refuses non-Digest and non-MD5 challenges', () => {
    expect(parseChallenge('Basic realm="x"')).toBeUndefined();
    expect(parseChallenge('Digest realm="x", nonce="y", algorithm=SHA-256')).toBeUndefined();
  });
});

describe('escaped foreign targets', () => {
  const owners: Record<string, string> = { 'example.test': 'xmpp', 'sip.example.test': 'sip' };
  const ownerOf = (d: string): string | undefined => owners[d];
  it.each([
    [{ local: 'joe%jabber.org', domain: 'example.test' }, { local: 'joe', domain: 'jabber.org' }],
    [{ local: 'joe%jabber.org', domain: 'sip.example.test' }, { local: 'joe%jabber.org', domain: 'sip.example.test' }],
    [{ local: 'joe%jabber.org', domain: 'unknown.test' }, { local: 'joe%jabber.org', domain: 'unknown.test' }],
    [{ local: 'plain', domain: 'example.test' }, { local: 'plain', domain: 'example.test' }],
  ])('%j -> %j', (a, want) => {
    expect(unescapeTarget(a, ownerOf)).toEqual(want);
  });
  it('a percent-encoded escaped user part in a Request-URI unescapes', () => {
    const op = sipMessageToOp(req('Content-Type: text/plain\r\n', 'x', 'MESSAGE', 'sip:joe%25jabber.org@example.test'), { transactionId: 't', sourceId: 's' });
    expect(unescapeTarget(op.to, ownerOf)).toEqual({ local: 'joe', domain: 'jabber.org' });
  });
});
