/**
 * Reading what a SIPp UAS received from its -trace_msg log: the first MESSAGE request, its head
 * as text and its body as the exact bytes (SIPp writes the datagram as it came; the harness reads
 * the log as latin1, so each char is one byte).
 */

export interface LoggedRequest { readonly head: string; readonly body: Buffer }

export function receivedSipMessage(log: string, method = 'MESSAGE'): LoggedRequest {
  const blocks = log.split(/^-{20,} \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+\r?\n/m);
  const block = blocks.find((b) => /^\S+ message received/.test(b) && new RegExp(`\\n\\s*${method} sip:`).test(b));
  if (!block) throw new Error(`no ${method} received in the SIPp log:\n${log.slice(0, 1500)}`);
  const text = block.slice(block.search(new RegExp(`^${method} sip:`, 'm')));
  const end = text.indexOf('\r\n\r\n');
  const head = text.slice(0, end + 2);
  const len = Number(/\r\nContent-Length: *(\d+)/i.exec(head)?.[1] ?? '0');
  return { head, body: Buffer.from(text.slice(end + 4), 'latin1').subarray(0, len) };
}

/** A header's value (first occurrence, case-insensitive name), decoded as UTF-8. */
export function headerOf(head: string, name: string): string | undefined {
  const m = new RegExp(`\\r\\n${name}: *([^\\r\\n]*)`, 'i').exec(head);
  return m ? Buffer.from(m[1]!, 'latin1').toString('utf8') : undefined;
}

/** "<sip:user@host>;tag=x" -> "user@host" (percent-decoded user part). */
export function uriUser(nameAddr: string): string {
  const m = /<?sips?:([^>;]+)/.exec(nameAddr);
  if (!m) return nameAddr;
  const [user, host] = m[1]!.split('@') as [string, string];
  return `${decodeURIComponent(user)}@${host}`;
}
