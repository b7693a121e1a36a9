#!/usr/bin/python3
"""A real XMPP client (slixmpp) driven by JSON lines, for Switchboard's integration tests.

Usage: xmpp-client.py HOST PORT JID PASSWORD [LIFETIME_SECONDS]

Connects to HOST:PORT over plain TCP (no TLS: the test Prosody allows it), logs in, sends initial
presence and prints {"event": "ready", "jid": ...}. Then:
  stdin  - one JSON command per line:
      {"cmd": "message", "to": J, "body": T, "subject": S?, "subjectLang": L?, "thread": X?,
       "id": I?, "receipt": true?, "type": "chat"?, "e2e": T?, "raw": B64?, "rawType": T?,
       "trace": "gw1, gw2"?, "hops": N?}
      {"cmd": "presence", "type": T?, "to": J?, "show": S?, "status": T?, "priority": N?}
      {"cmd": "subscribe" | "subscribed" | "unsubscribe" | "unsubscribed" | "probe", "to": J}
      {"cmd": "disco", "to": J}          -> prints {"event": "disco", "identities": [...], "features": [...]}
      {"cmd": "iq", "to": J, "type": T, "id": I, "payload": XML?, "waitMs": N}
                                         -> sends <iq type=T id=I to=J>PAYLOAD</iq> as written, collects
                                            every <iq/> with that id for waitMs (at most 10000), then prints
                                            {"event": "iq-replies", "id": I, "replies": [{"type", "from", "xml",
                                            "error"}]} (so a test can count the answers)
      {"cmd": "quit"}
  stdout - one JSON object per received stanza: {"event": "message" | "presence", "xml": ...,
      "from", "to", "type", "id", "body", "subject", "subjectLang", "thread", "e2e", "raw",
      "rawType", "received", "request", "show", "status", "priority", "error"}
Receipts (XEP-0184) are answered automatically (by this script) for messages that ask for one, and subscription
requests are accepted automatically (auto_authorize), so tests see the standard client behaviour.
Bounded: the process exits after LIFETIME_SECONDS (default 60) whatever happens.
"""
import asyncio
import json
import logging
import sys

import slixmpp
from slixmpp.xmlstream import ET
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import StanzaPath

NS_E2E = 'urn:ietf:params:xml:ns:xmpp-e2e'
NS_RAW = 'urn:switchboard:raw:0'
NS_RCPT = 'urn:xmpp:receipts'
NS_STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas'


def out(obj) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + '\n')
    sys.stdout.flush()


def child_text(xml, ns, name):
    el = xml.find('{%s}%s' % (ns, name))
    return None if el is None else (el.text or '')


def main() -> int:
    if len(sys.argv) not in (5, 6):
        print(__doc__, file=sys.stderr)
        return 64
    host, port, jid, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    lifetime = float(sys.argv[5]) if len(sys.argv) == 6 else 60.0
    logging.basicConfig(level=logging.ERROR, stream=sys.stderr)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    c = slixmpp.ClientXMPP(jid, password)
    c['feature_mechanisms'].unencrypted_plain = True
    c.register_plugin('xep_0030')
    c.auto_authorize = True
    c.auto_subscribe = False
    done = loop.create_future()
    reader_tasks = set()

    def finish(code: int) -> None:
        if not done.done():
            done.set_result(code)

    def on_message(msg) -> None:
        x = msg.xml
        # XEP-0184 5.1: answer a receipt request with <received id=.../> (done here rather than by
        # slixmpp's xep_0184 plugin, whose auto-ack ended the session in slixmpp 1.8.3).
        if x.find('{%s}request' % NS_RCPT) is not None and x.get('type') != 'error' and x.get('id'):
            ack = c.make_message(mto=msg['from'])
            rcv = ET.Element('{%s}received' % NS_RCPT)
            rcv.set('id', x.get('id'))
            ack.xml.append(rcv)
            ack.send()
        ns = 'jabber:client'
        subj = x.find('{%s}subject' % ns)
        err = x.find('{%s}error' % ns)
        raw = x.find('{%s}raw' % NS_RAW)
        rec = x.find('{%s}received' % NS_RCPT)
        out({
            'event': 'message', 'xml': str(msg), 'from': str(msg['from']), 'to': str(msg['to']),
            'type': x.get('type'), 'id': x.get('id'),
            'body': child_text(x, ns, 'body'),
            'subject': None if subj is None else (subj.text or ''),
            'subjectLang': None if subj is None else subj.get('{http://www.w3.org/XML/1998/namespace}lang'),
            'thread': child_text(x, ns, 'thread'),
            'e2e': child_text(x, NS_E2E, 'e2e'),
            'raw': None if raw is None else (raw.text or ''),
            'rawType': None if raw is None else raw.get('type'),
            'received': None if rec is None else rec.get('id'),
            'request': x.find('{%s}request' % NS_RCPT) is not None,
            'error': None if err is None else [e.tag.split('}')[1] for e in err if e.tag.startswith('{%s}' % NS_STANZAS) and not e.tag.endswith('}text')],
        })

    def on_presence(p) -> None:
        x = p.xml
        ns = 'jabber:client'
        err = x.find('{%s}error' % ns)
        out({
            'event': 'presence', 'xml': str(p), 'from': str(p['from']), 'to': str(p['to']),
            'type': x.get('type'), 'show': child_text(x, ns, 'show'), 'status': child_text(x, ns, 'status'),
            'priority': child_text(x, ns, 'priority'),
            'error': None if err is None else [e.tag.split('}')[1] for e in err if e.tag.startswith('{%s}' % NS_STANZAS) and not e.tag.endswith('}text')],
        })

    iq_watch = {}  # id -> list of replies seen

    def on_iq(iq) -> None:
        x = iq.xml
        seen = iq_watch.get(x.get('id'))
        if seen is None or x.get('type') not in ('result', 'error'):
            return
        err = x.find('{jabber:client}error')
        seen.append({
            'type': x.get('type'), 'from': x.get('from'), 'xml': str(iq),
            'error': None if err is None else [e.tag.split('}')[1] for e in err if e.tag.startswith('{%s}' % NS_STANZAS) and not e.tag.endswith('}text')],
        })

    async def command(line: str) -> None:
        cmd = json.loads(line)
        kind = cmd.get('cmd')
        if kind == 'quit':
            finish(0)
        elif kind == 'message':
            m = c.make_message(mto=cmd['to'], mbody=cmd.get('body'), msubject=cmd.get('subject'), mtype=cmd.get('type', 'normal'))
            if cmd.get('subject') is not None and cmd.get('subjectLang'):
                m.xml.find('{jabber:client}subject').set('{http://www.w3.org/XML/1998/namespace}lang', cmd['subjectLang'])
            if cmd.get('thread'):
                m['thread'] = cmd['thread']
            if cmd.get('id'):
                m['id'] = cmd['id']
            if cmd.get('receipt'):
                m.xml.append(ET.Element('{%s}request' % NS_RCPT))
            if cmd.get('e2e') is not None:
                # RFC 3923 3.1: the secured object as character data of <e2e/>.
                e = ET.Element('{%s}e2e' % NS_E2E)
                e.text = cmd['e2e']
                m.xml.append(e)
            if cmd.get('raw') is not None:
                r = ET.Element('{%s}raw' % NS_RAW)
                r.set('type', cmd.get('rawType', 'application/octet-stream'))
                r.text = cmd['raw']
                m.xml.append(r)
            if cmd.get('trace') is not None:
                t = ET.Element('{urn:switchboard:trace:0}trace')
                if cmd.get('hops') is not None:
                    t.set('hops', str(cmd['hops']))
                t.text = cmd['trace']
                m.xml.append(t)
            m.send()
        elif kind == 'presence':
            c.send_presence(pto=cmd.get('to'), ptype=cmd.get('type'), pshow=cmd.get('show'), pstatus=cmd.get('status'), ppriority=cmd.get('priority'))
        elif kind in ('subscribe', 'subscribed', 'unsubscribe', 'unsubscribed', 'probe'):
            c.send_presence(pto=cmd['to'], ptype=kind)
        elif kind == 'disco':
            try:
                r = await c['xep_0030'].get_info(jid=cmd['to'], timeout=5)
                q = r['disco_info']
                out({'event': 'disco', 'identities': [list(i) for i in q['identities']], 'features': list(q['features'])})
            except Exception as e:  # an error reply or a timeout
                out({'event': 'disco', 'error': str(e)})
        elif kind == 'iq':
            from xml.sax.saxutils import quoteattr
            iq_watch[cmd['id']] = []
            c.send_raw('<iq type=%s id=%s to=%s>%s</iq>' % (quoteattr(cmd['type']), quoteattr(cmd['id']), quoteattr(cmd['to']), cmd.get('payload', '')))
            await asyncio.sleep(min(float(cmd.get('waitMs', 1000)), 10000.0) / 1000.0)
            out({'event': 'iq-replies', 'id': cmd['id'], 'replies': iq_watch.pop(cmd['id'])})
        out({'event': 'done', 'cmd': kind})

    async def read_stdin() -> None:
        reader = asyncio.StreamReader(limit=4 * 1024 * 1024)
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        while not done.done():
            line = await reader.readline()
            if not line:
                finish(0)
                return
            try:
                await command(line.decode('utf-8'))
            except Exception as e:
                out({'event': 'error', 'message': str(e)})

    async def on_session_start(_e) -> None:
        c.send_presence()
        await c.get_roster(timeout=10)
        out({'event': 'ready', 'jid': str(c.boundjid)})
        # Keep a reference: the event loop holds tasks weakly, and a pending task nobody
        # references can be garbage-collected ("Task was destroyed but it is pending!"), after
        # which stdin commands are silently ignored (asyncio docs, create_task).
        reader_tasks.add(loop.create_task(read_stdin()))

    c.add_event_handler('session_start', on_session_start)
    # Every <message/> (slixmpp's 'message' event only fires for stanzas with a <body/>).
    c.register_handler(Callback('all messages', StanzaPath('message'), on_message))
    c.add_event_handler('presence', on_presence)
    # Every <iq/> result or error (replies to the raw 'iq' command, which no slixmpp waiter claims).
    c.register_handler(Callback('all iq', StanzaPath('iq'), on_iq))
    c.add_event_handler('failed_auth', lambda _e: (out({'event': 'auth-failed'}), finish(2)))
    c.add_event_handler('disconnected', lambda _e: finish(4))
    c.connect(address=(host, port), use_ssl=False, force_starttls=False, disable_starttls=True)
    try:
        code = loop.run_until_complete(asyncio.wait_for(done, lifetime))
    except asyncio.TimeoutError:
        code = 3
    try:
        c.disconnect(wait=1.0)
        loop.run_until_complete(asyncio.wait_for(c.disconnected, 2))
    except Exception:
        pass
    return code


if __name__ == '__main__':
    sys.exit(main())
