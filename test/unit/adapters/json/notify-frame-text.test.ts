/**
 * The JSON text of a notification made with the presence member serialized once per document
 * (notifyFrameText) is exactly JSON.stringify of the frame object (notifyFrame), for every shape
 * of frame, and a second content type for the same bytes gets its own text.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { notifyFrame, notifyFrameText } from '../../../../adapters/json/from-canonical';
import type { NotifyOp } from '../../../../canonical/operations';

const bytes = new Uint8Array(readFileSync(join(__dirname, '../../../fixtures/pidf', 'rfc3922-5.1.4-open.xml')));
const pidf = { type: 'application/pidf+xml', bytes };
const base: NotifyOp = {
  kind: 'notify', transactionId: 't', subscriptionId: 's1', watcher: { local: 'alice', domain: 'localhost' },
  presentity: { local: 'b"ob', domain: 'localhost' }, state: 'active', maxForwards: 70, trace: [],
};

describe('notifyFrameText', () => {
  test.each<[string, Partial<NotifyOp>]>([
    ['presence with expires', { presence: pidf, expires: 30 }],
    ['presence without expires', { presence: pidf }],
    ['presence, terminated with reason', { presence: pidf, state: 'terminated', reason: 'timeout' }],
    ['presence, other content type (same bytes)', { presence: { ...pidf, type: 'application/pidf+xml;charset=utf-8' }, expires: 5 }],
    ['presence, first content type again', { presence: pidf, expires: 0 }],
    ['subscription state only', { state: 'terminated', reason: 'rejected' }],
    ['pending, no document', { state: 'pending', expires: 60 }],
  ])('%s: same text as JSON.stringify(notifyFrame)', (_name, extra) => {
    const op = { ...base, ...extra } as NotifyOp;
    const text = notifyFrameText(op);
    expect(text).toBe(JSON.stringify(notifyFrame(op)));
    expect(JSON.parse(text)).toEqual(notifyFrame(op));
  });
});
