#!/usr/bin/python3
"""Log in to an XMPP server with slixmpp (a real client library) and report the outcome.

Usage: xmpp-login.py HOST PORT JID PASSWORD [TIMEOUT_SECONDS]

Connects over plain TCP (no TLS: the test Prosody does not require it), authenticates, and prints
"ok" once the session has started (roster fetched, initial presence sent), then disconnects.
Exit codes: 0 ok, 2 authentication failed, 3 timed out, 4 disconnected before the session,
64 bad usage. Bounded: the whole run ends after TIMEOUT_SECONDS (default 10).
"""
import asyncio
import logging
import sys

import slixmpp


def main() -> int:
    if len(sys.argv) not in (5, 6):
        print(__doc__, file=sys.stderr)
        return 64
    host, port, jid, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    timeout = float(sys.argv[5]) if len(sys.argv) == 6 else 10.0
    logging.basicConfig(level=logging.ERROR, stream=sys.stderr)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    client = slixmpp.ClientXMPP(jid, password)
    # The test server has no TLS; allow SASL PLAIN on the plain connection.
    client['feature_mechanisms'].unencrypted_plain = True
    result = {'code': None}
    done = loop.create_future()

    def finish(code: int, text: str) -> None:
        if result['code'] is None:
            result['code'] = code
            print(text, flush=True)
            if not done.done():
                done.set_result(code)

    async def on_session_start(_event) -> None:
        client.send_presence()
        await client.get_roster(timeout=timeout)
        finish(0, 'ok')
        client.disconnect(wait=1.0)

    client.add_event_handler('session_start', on_session_start)
    client.add_event_handler('failed_auth', lambda _e: finish(2, 'auth-failed'))
    client.add_event_handler('disconnected', lambda _e: finish(4, 'disconnected'))
    client.connect(address=(host, port), use_ssl=False, force_starttls=False, disable_starttls=True)
    try:
        code = loop.run_until_complete(asyncio.wait_for(done, timeout))
    except asyncio.TimeoutError:
        finish(3, 'timeout')
        code = 3
    try:
        loop.run_until_complete(asyncio.wait_for(client.disconnected, 2.0))
    except Exception:  # noqa: BLE001 - best-effort close; the verdict is already printed
        pass
    client.abort()
    return code


if __name__ == '__main__':
    sys.exit(main())
