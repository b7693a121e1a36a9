-- Prosody 0.12 for the Switchboard lab (deploy/lab/README.md): the XMPP island example.test,
-- with the gateway's domains as XEP-0114 components served by Switchboard.
--
-- Run in the foreground as the prosody user:
--   sudo -u prosody prosody -F --config "$PWD/deploy/lab/prosody.cfg.lua"
-- Register users:
--   sudo -u prosody prosodyctl --config "$PWD/deploy/lab/prosody.cfg.lua" register juliet example.test juliet-pw
--
-- Lab settings, not for production: no TLS (no certificates to make), plain-text passwords,
-- no server-to-server. Everything listens on 127.0.0.1 only.

pidfile = "/var/lib/switchboard-lab/prosody/prosody.pid"
data_path = "/var/lib/switchboard-lab/prosody"
log = { info = "*console" }

interfaces = { "127.0.0.1" }
local_interfaces = { "127.0.0.1" }
c2s_ports = { 5222 }
c2s_direct_tls_ports = {}
s2s_ports = {}
http_ports = {}
https_ports = {}
-- XEP-0114: Switchboard connects here for each Component below.
component_ports = { 5347 }
component_interfaces = { "127.0.0.1" }

modules_enabled = {
  "roster";    -- rosters: presence subscriptions with SIP and JSON users (RFC 6121)
  "saslauth";  -- logins
  "disco";     -- service discovery (XEP-0030)
  "ping";      -- XEP-0199
  "posix";     -- pidfile
}
-- No federation in the lab; no offline storage, so a message to a user who is not connected
-- comes back as <service-unavailable/> at once and Switchboard reports the failure to the sender.
modules_disabled = { "s2s"; "s2s_auth_certs"; "offline" }

c2s_require_encryption = false
s2s_require_encryption = false
allow_unencrypted_plain_auth = true
authentication = "internal_plain"
storage = "internal"

VirtualHost "example.test"

-- The SIP island as XMPP users see it: romeo@sip.example.test is the SIP user sip:romeo@sip.example.test.
Component "sip.example.test"
  component_secret = "labsecret"

-- Switchboard's JSON users: carol@api.example.test.
Component "api.example.test"
  component_secret = "labsecret"
