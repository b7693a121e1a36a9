/**
 * Addresses: im:, pres:, sip:, sips: URIs and XMPP JIDs, and the mappings between them
 * (RFC 7247 section 6, RFC 3922 section 3). Pure: no I/O.
 */

/**
 * The canonical address: an identity as user@domain (unescaped: the real local part), with an
 * optional XMPP resource. This is what routing, access rules and stores key on.
 */
export interface Address {
  readonly local: string;
  readonly domain: string;
  readonly resource?: string;
}
