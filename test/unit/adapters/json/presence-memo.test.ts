/**
 * A fan-out hands one document to every watcher: its JSON view (JSON adapter) and its parse (XMPP
 * adapter) are made once per document bytes, and a different document is never answered from
 * another's entry.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { presenceJson } from '../../../../adapters/json/from-canonical';
import { readPidf } from '../../../../adapters/xmpp/from-canonical';

const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(join(__dirname, '../../../fixtures/pidf', name)));
const open = { type: 'application/pidf+xml', bytes: fixture('rfc3922-5.1.4-open.xml') };
const closed = { type: 'application/pidf+xml', bytes: fixture('rfc3922-5.1.4-closed.xml') };

describe('per-document conversions are made once and kept apart', () => {
  test('JSON: the same bytes give the same view object; other bytes their own view; the type is the caller\'s', () => {
    const a = presenceJson(open) as { contentType: string; pidf: string; view: { basic?: string } };
    const b = presenceJson({ ...open, type: 'application/pidf+xml; charset=utf-8' }) as typeof a;
    const c = presenceJson(closed) as typeof a;
    expect(b.view).toBe(a.view);
    expect(b.pidf).toBe(a.pidf);
    expect(b.contentType).toBe('application/pidf+xml; charset=utf-8');
    expect(Buffer.from(a.pidf, 'base64')).toEqual(Buffer.from(open.bytes));
    expect(a.view.basic).toBe('open');
    expect(c.view.basic).toBe('closed');
  });

  test('JSON: a document that does not parse still answers (view null), and keeps doing so', () => {
    const junk = { type: 'application/pidf+xml', bytes: new TextEncoder().encode('<not-pidf/>') };
    expect((presenceJson(junk) as { view: unknown }).view).toBeNull();
    expect((presenceJson(junk) as { view: unknown }).view).toBeNull();
  });

  test('XMPP: the same bytes give the same parsed document; other bytes, or junk, their own answer', () => {
    const d1 = readPidf(open);
    expect(d1).toBeDefined();
    expect(readPidf({ ...open })).toBe(d1);
    expect(readPidf(closed)).not.toBe(d1);
    expect(readPidf(closed)?.tuples[0]?.status.basic).toBe('closed');
    const junk = { type: 'application/pidf+xml', bytes: new TextEncoder().encode('<x/>') };
    expect(readPidf(junk)).toBeUndefined();
    expect(readPidf(junk)).toBeUndefined();
  });
});
