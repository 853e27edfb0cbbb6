// Reading a file a user names (the config, a service-discovery file): only a regular file,
// only up to a size, only within a deadline. A FIFO would block the read (and with it every
// later reload and the exit) until someone writes to it; /dev/zero never ends.
import { constants, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import type { ConfigProblem } from './errors.js';

/** How long a read may take before the reload (or the service-discovery read) that wanted it fails. */
export const READ_DEADLINE_MS = 5_000;
const MIB = 1024 * 1024;

/** A file that could not be read, worded for users: "cannot read: <message>". */
export class ReadError extends Error {
  override readonly name = 'ReadError';
}

/** What a limit is for, in messages: "a config file", "a service-discovery file". */
export interface ReadLimit {
  maxBytes: number;
  what: string;
}

/** The bytes of the regular file at `path`, refused beyond `limit.maxBytes` or `deadlineMs`. */
export async function readRegularFile(path: string, limit: ReadLimit, deadlineMs = READ_DEADLINE_MS): Promise<Buffer> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new ReadError(`no answer from the file system within ${deadlineMs / 1000} s`)),
      deadlineMs,
    );
  });
  const reading = readBounded(path, limit);
  try {
    return await Promise.race([reading, late]);
  } finally {
    clearTimeout(timer);
    // A read that outlived its deadline closes its file when it ends; its result goes nowhere.
    reading.catch(() => undefined);
  }
}

async function readBounded(path: string, limit: ReadLimit): Promise<Buffer> {
  // Non-blocking, so that opening a FIFO returns at once instead of waiting for a writer.
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new ReadError(`${kindOf(stat)}, not a regular file`);
    if (stat.size > limit.maxBytes) throw tooLarge(stat.size, limit);
    // The size may change, or be 0 for files the kernel makes up as they are read:
    // read to the end, never past the limit.
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const room = Math.min(Math.max(stat.size - total, 0) + 64 * 1024, limit.maxBytes + 1 - total);
      const { bytesRead, buffer } = await handle.read(Buffer.allocUnsafe(room), 0, room, null);
      if (bytesRead === 0) break;
      chunks.push(buffer.subarray(0, bytesRead));
      total += bytesRead;
      if (total > limit.maxBytes) throw tooLarge(undefined, limit);
    }
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
  } finally {
    await handle.close();
  }
}

/** A file over the limit: its size when known, else (it grew as it was read) that it is larger. */
function tooLarge(size: number | undefined, limit: ReadLimit): ReadError {
  const most = formatMiB(limit.maxBytes);
  if (size === undefined)
    return new ReadError(`the file is larger than ${most}, the most portwatch reads of ${limit.what}`);
  return new ReadError(
    `the file is ${size.toLocaleString('en-US')} bytes; portwatch reads ${limit.what} of at most ${most}`,
  );
}

/** A size for messages: "32 MiB", "1 KiB", "16 bytes". */
export function formatMiB(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const [size, unit] = bytes < MIB ? [bytes / 1024, 'KiB'] : [bytes / MIB, 'MiB'];
  return `${Number.isInteger(size) ? size : size.toFixed(1)} ${unit}`;
}

function kindOf(stat: Stats): string {
  if (stat.isDirectory()) return 'it is a directory';
  if (stat.isFIFO()) return 'it is a named pipe (FIFO)';
  if (stat.isSocket()) return 'it is a socket';
  if (stat.isCharacterDevice()) return 'it is a character device';
  if (stat.isBlockDevice()) return 'it is a block device';
  return 'it is not a file';
}

/**
 * `bytes` as UTF-8 text. `strict` (YAML, which Go's reader refuses when it is not UTF-8):
 * the offset of the first byte that is not, as a problem for the caller to place.
 * Otherwise bad bytes become U+FFFD, as Go's JSON reader makes them. A byte-order mark is kept
 * for the parser to judge: YAML skips it, JSON refuses it.
 */
export function decodeText(
  bytes: Uint8Array,
  strict: boolean,
): { ok: true; text: string } | { ok: false; offset: number } {
  const lenient = new TextDecoder('utf-8', { ignoreBOM: true });
  if (!strict) return { ok: true, text: lenient.decode(bytes) };
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes) };
  } catch {
    const text = lenient.decode(bytes);
    return { ok: false, offset: Math.max(0, text.indexOf('\uFFFD')) };
  }
}

/** A file that cannot be read, as a problem of the file as a whole: `cannot read: <reason>`. */
export function cannotRead(err: unknown): ConfigProblem {
  return { line: 0, col: 0, path: '', message: cannotReadMessage(err) };
}

/** `cannot read: <reason>`, or `cannot read <file>: <reason>` for a file another file names. */
export function cannotReadMessage(err: unknown, file?: string): string {
  return `cannot read${file === undefined ? '' : ` ${file}`}: ${readFailure(err)}`;
}

/** "ENOENT: no such file or directory", without the path Node appends. */
function readFailure(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/, \w+ '.*'$/s, '');
}
