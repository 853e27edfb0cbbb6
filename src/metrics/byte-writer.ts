/**
 * A growable byte buffer for the exposition. Bytes rather than strings: copying cached
 * label bytes with TypedArray.set is cheaper than building and flattening a string of
 * a piece per sample, and numbers written digit by digit leave no short string per sample.
 */
const CLOSE_BRACE = 0x7d;
const SPACE = 0x20;
const NEWLINE = 0x0a;
const DOT = 0x2e;
const ZERO = 0x30;

export class ByteWriter {
  #buf: Buffer;
  #pos = 0;

  constructor(sizeHint = 64 * 1024) {
    this.#buf = Buffer.allocUnsafe(Math.max(1024, sizeHint));
  }

  get length(): number {
    return this.#pos;
  }

  bytes(b: Uint8Array): void {
    this.#reserve(b.length);
    this.#buf.set(b, this.#pos);
    this.#pos += b.length;
  }

  /** head + labels + tail, where tail holds the closing brace, the value and the newline. */
  line(head: Uint8Array, labels: Uint8Array, tail: Uint8Array): void {
    this.#reserve(head.length + labels.length + tail.length);
    const buf = this.#buf;
    buf.set(head, this.#pos);
    buf.set(labels, this.#pos + head.length);
    buf.set(tail, this.#pos + head.length + labels.length);
    this.#pos += head.length + labels.length + tail.length;
  }

  /** head + labels + `} ` + value + newline, for a value already formatted as ASCII. */
  lineValue(head: Uint8Array, labels: Uint8Array, value: string): void {
    this.#reserve(head.length + labels.length + value.length + 3);
    let p = this.#open(head, labels);
    // A JS loop beats a native call (buf.latin1Write) for strings this short.
    for (let i = 0; i < value.length; i++) this.#buf[p++] = value.charCodeAt(i);
    this.#buf[p++] = NEWLINE;
    this.#pos = p;
  }

  /**
   * head + labels + `} ` + ms/1000 + newline, for epoch milliseconds. Written as the exact
   * decimal ("1700000000.12"), which parses to the same double as String(ms / 1000).
   */
  lineMsAsSeconds(head: Uint8Array, labels: Uint8Array, ms: number): void {
    if (!Number.isSafeInteger(ms) || ms < 0) {
      this.lineValue(head, labels, String(ms / 1000));
      return;
    }
    this.#reserve(head.length + labels.length + 24);
    let p = this.#open(head, labels);
    const buf = this.#buf;
    const secs = Math.floor(ms / 1000);
    let frac = ms - secs * 1000;
    p = writeUint(buf, p, secs);
    if (frac !== 0) {
      buf[p++] = DOT;
      let digits = 3;
      while (frac % 10 === 0) {
        frac /= 10;
        digits -= 1;
      }
      for (let i = digits - 1; i >= 0; i--) {
        buf[p + i] = ZERO + (frac % 10);
        frac = Math.floor(frac / 10);
      }
      p += digits;
    }
    buf[p++] = NEWLINE;
    this.#pos = p;
  }

  /** The bytes written so far; shares memory with the writer. */
  result(): Buffer {
    return this.#buf.subarray(0, this.#pos);
  }

  /** The bytes written so far, handed over: the writer starts afresh in a new buffer of the same size. */
  take(): Buffer {
    const taken = this.#buf.subarray(0, this.#pos);
    this.#buf = Buffer.allocUnsafe(this.#buf.length);
    this.#pos = 0;
    return taken;
  }

  /** Writes head, labels and "} "; returns the position after them. Space must be reserved. */
  #open(head: Uint8Array, labels: Uint8Array): number {
    const buf = this.#buf;
    buf.set(head, this.#pos);
    buf.set(labels, this.#pos + head.length);
    let p = this.#pos + head.length + labels.length;
    buf[p++] = CLOSE_BRACE;
    buf[p++] = SPACE;
    return p;
  }

  #reserve(n: number): void {
    if (this.#pos + n <= this.#buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.#pos + n));
    this.#buf.copy(next, 0, 0, this.#pos);
    this.#buf = next;
  }
}

function writeUint(buf: Buffer, p: number, n: number): number {
  let digits = 1;
  for (let x = n; x >= 10; x = Math.floor(x / 10)) digits += 1;
  for (let i = digits - 1; i >= 0; i--) {
    buf[p + i] = ZERO + (n % 10);
    n = Math.floor(n / 10);
  }
  return p + digits;
}
