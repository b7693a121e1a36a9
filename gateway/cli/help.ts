/** `switchboard help`: the commands, and the first steps after `npm start`. */
export const HELP = `Switchboard: an instant messaging and presence gateway (SIP/SIMPLE, XMPP, JSON).

Usage:
  switchboard start [--config FILE]        run the gateway (no FILE: embedded defaults,
                                           in-memory store, JSON on 127.0.0.1:8080, domain localhost)
  switchboard check-config FILE            validate a config file without starting (exit 2 if bad)
  switchboard account add ADDRESS [--admin] [--url URL] [--token ADMIN_TOKEN]
                                           create an account through the admin API; prints its token
  switchboard account list [--url URL] [--token ADMIN_TOKEN]
  switchboard account revoke ADDRESS [--url URL] [--token ADMIN_TOKEN]
  switchboard inspect FILE|-               print the canonical view of a CPIM, MIME or PIDF document
  switchboard translate --to sip|xmpp|json FILE|-
                                           print what the gateway would emit for a captured SIP
                                           message, XMPP stanza, JSON request or CPIM message
  switchboard send --via sip|xmpp|json --to B [--from A] (--text T | --file BODY --type CT)
                                           inject one message into a running gateway, print the
                                           outcome and hop trace (see switchboard send --help)
  switchboard help                         this text

The admin token is printed once at first start (or set json.adminToken in the config); account
commands also read it from SWITCHBOARD_ADMIN_TOKEN and the URL from SWITCHBOARD_URL
(default http://127.0.0.1:8080).

Environment overrides for config keys: SWITCHBOARD_<SECTION>__<KEY>, e.g.
  SWITCHBOARD_GATEWAY__ID=gw1.example.test SWITCHBOARD_STORE__KIND=redis
  SWITCHBOARD_STORE__URL=redis://127.0.0.1:6379/0 SWITCHBOARD_JSON__LISTEN=127.0.0.1:9090
Values are read as YAML. See deploy/switchboard.sample.yaml for every key.
`;
