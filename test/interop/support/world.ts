/**
 * The one running deployment the interop matrix shares (beforeAll/afterAll): a real redis-server
 * (the gateway's store), a real Prosody for example.test with the gateway as the XEP-0114
 * component gw.example.test, the gateway itself (JSON listener, SIP listener for the island
 * sip.example.test, outbound SIP to the island's user agent, which SIPp plays on `islandPort`),
 * one long-lived slixmpp client for juliet, alice's WebSocket stream, and S/MIME certificates.
 */
import { makeCert, makeTempDir, removeTempDir, type CertFiles } from '../../support/openssl';
import { freePort, freeUdpPort } from '../../support/ports';
import { type ProsodyHandle, startProsody } from '../../support/prosody';
import { type RedisHandle, startRedis } from '../../support/redis';
import { openStream, type Stream } from '../../integration/json-client';
import { addAccount } from './accounts';
import { startGw, type RunningGateway } from './gateway';
import { startXmppPeer, type XmppPeer } from '../../support/xmpp-peer';

export const GW_ID = 'gw-interop.test';
/** The gateway's XMPP-facing domain (a Prosody component). */
export const COMPONENT = 'gw.example.test';
export const SECRET = 'interop-component-secret';

/** The users of each island. */
export const USERS = {
  json: { user: 'alice@api.example.test', offline: 'bob@api.example.test', unknown: 'nobody@api.example.test' },
  xmpp: { user: 'juliet@example.test', offline: 'nurse@example.test', unknown: 'ghost@example.test' },
  sip: { user: 'dave@sip.example.test', offline: 'frank@sip.example.test', unknown: 'nobody@sip.example.test' },
} as const;

export interface World {
  readonly redis: RedisHandle;
  readonly prosody: ProsodyHandle;
  readonly g: RunningGateway;
  /** The gateway's SIP UDP listener. */
  readonly sipPort: number;
  /** Where the gateway sends SIP (outboundProxy): the SIP island's user agent, played by SIPp. */
  readonly islandPort: number;
  /** Bearer tokens of the JSON users. */
  readonly tokens: { alice: string; bob: string };
  readonly aliceStream: Stream;
  readonly juliet: XmppPeer;
  /** The signer's certificate (trust anchor for verification) and the recipient's (for encryption). */
  readonly signer: CertFiles;
  readonly recipient: CertFiles;
  stop(): Promise<void>;
}

export async function startWorld(): Promise<World> {
  const stops: Array<() => Promise<void>> = [];
  const stop = async (): Promise<void> => { for (const s of stops.reverse()) { try { await s(); } catch { /* keep stopping the rest */ } } };
  try {
    const redis = await startRedis();
    stops.push(() => redis.stop());
    const prosody = await startProsody({
      domain: 'example.test',
      users: [{ user: 'juliet', password: 'pw' }, { user: 'romeo', password: 'pw' }, { user: 'nurse', password: 'pw' }],
      components: [{ domain: COMPONENT, secret: SECRET }],
    });
    stops.push(() => prosody.stop());
    const sipPort = await freeUdpPort();
    const islandPort = await freeUdpPort();
    const g = await startGw(`
gateway: { id: ${GW_ID}, messageTimeoutMs: 4000 }
store: { kind: redis, url: '${redis.url}' }
domains: { api.example.test: json, example.test: xmpp, sip.example.test: sip }
json: { heartbeatSeconds: 30, maxBodyBytes: 262144 }
presence: { minExpires: 2, defaultExpires: 600, maxExpires: 3600 }
sip: { domain: sip.example.test, listen: { udp: 127.0.0.1:${sipPort}, tcp: 127.0.0.1:${await freePort()} }, outboundProxy: 'sip:127.0.0.1:${islandPort}' }
xmpp: { components: [ { service: 'xmpp://127.0.0.1:${prosody.componentPort}', domain: ${COMPONENT}, secret: ${SECRET} } ], clients: [] }
`, { logLevel: process.env.SB_TEST_LOG ?? 'info' });
    stops.push(() => g.stop());
    const alice = await addAccount(g.url, USERS.json.user);
    const bob = await addAccount(g.url, USERS.json.offline);
    const aliceStream = await openStream(g.url, alice);
    stops.push(() => aliceStream.close());
    const juliet = await startXmppPeer(prosody.c2sPort, `${USERS.xmpp.user}/matrix`, 'pw', 600);
    stops.push(() => juliet.close());
    const certDir = await makeTempDir();
    stops.push(() => removeTempDir(certDir));
    const signer = await makeCert(certDir, { name: 'signer', uri: 'im:signer@example.test' });
    const recipient = await makeCert(certDir, { name: 'recipient', uri: 'im:recipient@example.test' });
    return { redis, prosody, g, sipPort, islandPort, tokens: { alice, bob }, aliceStream, juliet, signer, recipient, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
