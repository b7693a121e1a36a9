/**
 * The presence service's use of canonical/pidf.ts: one place that turns stored bytes into the
 * documents each watcher gets. A single publication is relayed as its exact bytes; several are
 * composed (RFC 3903 section 3: "the event state compositor generates the composite event state").
 */
import { formatUri, type Address } from '../canonical/address';
import type { Content } from '../canonical/operations';
import { closedPidf, composePidf, filterPidf, parsePidf } from '../canonical/pidf';
import type { PresenceView } from '../canonical/rules';

export const PIDF_TYPE = 'application/pidf+xml';

/** RFC 3863 4.1.1: the entity is the presentity's pres: URI. */
export function entityOf(presentity: Address): string {
  return formatUri({ local: presentity.local, domain: presentity.domain }, 'pres');
}

/** Throws ParseError naming the fault when the bytes are not a PIDF document. */
export function checkPidf(doc: Content): void {
  parsePidf(doc.bytes);
}

/** The current document from the live publications (closed when there are none: RFC 2779 3.2.4). */
export function composeDocument(presentity: Address, docs: readonly Content[]): Content {
  if (docs.length === 0) return closedDocument(presentity);
  if (docs.length === 1) return docs[0]!;
  return { type: PIDF_TYPE, bytes: composePidf(entityOf(presentity), docs.map((d) => parsePidf(d.bytes))) };
}

export function closedDocument(presentity: Address): Content {
  return { type: PIDF_TYPE, bytes: closedPidf(entityOf(presentity)) };
}

/**
 * The document as one watcher may see it (RFC 2779 2.3.3). Without a view it is the stored
 * document, byte for byte. A stored document that cannot be parsed is never shown through a view
 * (it cannot be filtered): the watcher gets a closed document instead.
 */
export function viewOf(presentity: Address, doc: Content, view: PresenceView | undefined): Content {
  if (!view) return doc;
  try {
    return { type: doc.type, bytes: filterPidf(parsePidf(doc.bytes), view) };
  } catch {
    return closedDocument(presentity);
  }
}
