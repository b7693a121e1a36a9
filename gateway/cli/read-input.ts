/**
 * Bounded reading of a file or stdin for the CLI tools (`inspect`, `translate`, `send --file`): the bytes as
 * they are, never decoded, never more than `max` (one byte past the limit is enough to refuse).
 */
import { open } from 'node:fs/promises';

/** Input larger than the limit: a fault in the input (exit 2), not an I/O failure. */
export class InputTooLarge extends Error {}

/** Reads at most max bytes of a file; stat's size is not trusted (FIFOs and /proc report 0). */
export async function readFileBounded(path: string, max: number): Promise<Uint8Array> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(max + 1);
    let n = 0;
    for (let guard = 0; n < buf.length && guard < 1_000_000; guard++) {
      const { bytesRead } = await fh.read(buf, n, buf.length - n, null);
      if (bytesRead === 0) break;
      n += bytesRead;
    }
    if (n > max) throw new InputTooLarge(`input is larger than ${max} bytes`);
    return new Uint8Array(buf.buffer, buf.byteOffset, n);
  } finally {
    await fh.close();
  }
}

/** Reads stdin to its end, at most max bytes and at most timeoutMs. */
export function readStreamBounded(stdin: NodeJS.ReadableStream, max: number, timeoutMs: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const done = (err?: Error): void => {
      clearTimeout(timer);
      stdin.removeListener('data', onData);
      stdin.removeListener('end', onEnd);
      stdin.removeListener('error', onError);
      stdin.pause();
      if (err) reject(err); else resolve(new Uint8Array(Buffer.concat(chunks)));
    };
    const onData = (c: Buffer | string): void => {
      const b = typeof c === 'string' ? Buffer.from(c, 'utf8') : c;
      total += b.length;
      if (total > max) { done(new InputTooLarge(`input is larger than ${max} bytes`)); return; }
      chunks.push(b);
    };
    const onEnd = (): void => done();
    const onError = (e: Error): void => done(e);
    const timer = setTimeout(() => done(new Error(`stdin did not end within ${timeoutMs} ms`)), timeoutMs);
    stdin.on('data', onData);
    stdin.once('end', onEnd);
    stdin.once('error', onError);
    stdin.resume();
  });
}

/** A file name, or '-' for stdin. */
export function readInput(file: string, stdin: NodeJS.ReadableStream, max: number, timeoutMs = 30_000): Promise<Uint8Array> {
  return file === '-' ? readStreamBounded(stdin, max, timeoutMs) : readFileBounded(file, max);
}
