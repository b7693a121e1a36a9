/**
 * The PIDF side of XMPP presence mapping (RFC 7248 section 5, RFC 3922 5.1): the jabber:client
 * <show/> element carried inside PIDF <status>, XMPP <priority/> <-> PIDF contact priority, and
 * <show/> <-> RPID activities. The adapters use these; the choices are here so that both
 * directions agree.
 *
 * Pure: no I/O.
 */
import { JABBER_CLIENT_NS, type PidfTuple } from './pidf';
import { textContent } from './xml';

/** RFC 6121 4.7.2.1: the values of <show/>. */
export type XmppShow = 'away' | 'chat' | 'dnd' | 'xa';
const SHOWS: readonly string[] = ['away', 'chat', 'dnd', 'xa'];

/**
 * The <show/> element to put inside <status>. RFC 7248 5.2 note 7: "the <show/> element
 * (qualified by the 'jabber:client' namespace) can be included directly in the PIDF XML ...
 * which is RECOMMENDED."
 */
export function showXml(show: XmppShow): string {
  if (!SHOWS.includes(show)) throw new RangeError(`not an XMPP show value: ${String(show)}`);
  return `<show xmlns="${JABBER_CLIENT_NS}">${show}</show>`;
}

/**
 * The <show/> value a tuple carries in its <status> (RFC 7248 5.3 note 4: the SIP-to-XMPP
 * gateway "is responsible for including that element in the XMPP presence notification"), or
 * undefined when it carries none or an unknown value.
 */
export function tupleShow(tuple: PidfTuple): XmppShow | undefined {
  for (const x of tuple.status.extensions) {
    if (x.element.ns !== JABBER_CLIENT_NS || x.element.name !== 'show') continue;
    const v = textContent(x.element).trim();
    return SHOWS.includes(v) ? (v as XmppShow) : undefined;
  }
  return undefined;
}

/**
 * XMPP <priority/> to PIDF contact priority. RFC 3922 5.1.7: "If the value of the XMPP
 * <priority/> element is negative, an XMPP-CPIM gateway MUST NOT map the value", and 0 maps to
 * 0, 127 to 1, intermediate values uniquely (1 -> 0.007, 2 -> 0.015, ..., 126 -> 0.992, as the
 * RFC's example does).
 */
export function xmppPriorityToPidf(priority: number): number | undefined {
  if (!Number.isInteger(priority) || priority < 0 || priority > 127) return undefined;
  return Math.floor((priority * 1000) / 127) / 1000;
}

/** PIDF contact priority (0..1) to XMPP <priority/> (0..127); the inverse of the mapping above. */
export function pidfPriorityToXmpp(priority: number): number | undefined {
  if (!Number.isFinite(priority) || priority < 0 || priority > 1) return undefined;
  return Math.round(priority * 127);
}

/**
 * RPID activities for a <show/> value. RFC 7248 leaves extension mappings to the gateway
 * (5.2 note 7: "a gateway can choose to translate ... a <show/> element into a custom
 * extension"); these are Switchboard's: dnd ("merely means busy") -> busy, away and xa -> away.
 */
export function showToActivities(show: XmppShow | undefined): string[] {
  switch (show) {
    case 'dnd': return ['busy'];
    case 'away': case 'xa': return ['away'];
    default: return [];
  }
}

/**
 * A <show/> value for RPID activities (RFC 4480 3.2), the inverse choice: activities that
 * discourage interruption -> dnd, long absences -> xa, being away -> away; none -> undefined.
 */
export function activitiesToShow(activities: readonly string[]): XmppShow | undefined {
  const has = (...names: string[]) => names.some((n) => activities.includes(n));
  if (has('busy', 'on-the-phone', 'meeting', 'performance', 'presentation', 'steering')) return 'dnd';
  if (has('permanent-absence', 'vacation', 'holiday', 'sleeping', 'travel')) return 'xa';
  if (has('away', 'appointment', 'meal', 'breakfast', 'lunch', 'dinner', 'in-transit', 'shopping')) return 'away';
  return undefined;
}
