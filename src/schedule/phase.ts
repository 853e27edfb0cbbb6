const TWO_32 = 2 ** 32;
const SHORT_MODULUS = 2 ** 26;
const encoder = new TextEncoder();
/** Reused for each id's UTF-8 bytes: set() hashes 100k+ ids at once. */
let bytes = new Uint8Array(256);

function assertInterval(intervalMs: number): void {
  if (!Number.isSafeInteger(intervalMs) || intervalMs <= 0) {
    throw new RangeError(`intervalMs must be a positive safe integer, got ${intervalMs}`);
  }
}

/**
 * The high 32 bits of the 64-bit product of two unsigned 32-bit numbers, from 16-bit halves
 * (each product exact in a double).
 */
function mulHigh(a: number, b: number): number {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const cross1 = a1 * b0;
  const cross2 = a0 * b1;
  const carry = ((a0 * b0) >>> 16) + (cross1 & 0xffff) + (cross2 & 0xffff);
  return (a1 * b1 + (cross1 >>> 16) + (cross2 >>> 16) + (carry >>> 16)) >>> 0;
}

/** A 64-bit value as two unsigned 32-bit halves; set in place, so hashing an id allocates nothing. */
const h = { hi: 0, lo: 0 };

/** h = h * (hi:lo) mod 2^64. */
function multiply(hi: number, lo: number): void {
  const high = (mulHigh(h.lo, lo) + Math.imul(h.hi, lo) + Math.imul(h.lo, hi)) >>> 0;
  h.lo = Math.imul(h.lo, lo) >>> 0;
  h.hi = high;
}

/** h ^= h >> 33. */
function fold(): void {
  h.lo = (h.lo ^ (h.hi >>> 1)) >>> 0;
}

/**
 * FNV-1a over the id's UTF-8 bytes, then the MurmurHash3 64-bit finalizer, into `h`.
 * FNV-1a's multiplier is odd, so its low k bits depend only on the low k bits of each
 * byte; the phase is taken modulo intervals like 60000 = 2^5 * 1875, and the finalizer
 * mixes the high bits down so such intervals see the whole hash (ids differing only in
 * letter case, say). In 32-bit halves rather than BigInt, which would allocate for each byte
 * of every id hashed (docs/performance.md).
 */
function hash64(id: string): void {
  // An ASCII id is its own UTF-8, as nearly every id is: no encoding pass for those.
  let ascii = true;
  for (let i = 0; i < id.length && ascii; i++) ascii = id.charCodeAt(i) < 0x80;
  let n = id.length;
  if (!ascii) {
    if (bytes.length < id.length * 3) bytes = new Uint8Array(id.length * 3);
    n = encoder.encodeInto(id, bytes).written;
  }
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  for (let i = 0; i < n; i++) {
    lo = (lo ^ (ascii ? id.charCodeAt(i) : bytes[i]!)) >>> 0;
    // The FNV prime is 2^40 + 0x1b3: h * 0x1b3, plus h shifted left by 40 (only the low half
    // reaches the high one). Each sum is an integer below 2^53, so >>> 0 is it modulo 2^32.
    const low = lo * 0x1b3;
    hi = (hi * 0x1b3 + Math.floor(low / TWO_32) + ((lo << 8) >>> 0)) >>> 0;
    lo = low >>> 0;
  }
  h.hi = hi;
  h.lo = lo;
  fold();
  multiply(0xff51afd7, 0xed558ccd);
  fold();
  multiply(0xc4ceb9fe, 0x1a85ec53);
  fold();
}

/** (hi * 2^32 + lo) mod m, exact for any safe m: every intermediate stays below 2^54 and even, or below 2^53. */
function modulo(hi: number, lo: number, m: number): number {
  // Up to 2^26 (intervals of some 18 hours) the products stay below 2^53: no bit loop.
  if (m <= SHORT_MODULUS) return ((hi % m) * (TWO_32 % m) + (lo % m)) % m;
  let r = hi % m;
  for (let bit = 0; bit < 32; bit++) {
    r *= 2;
    if (r >= m) r -= m;
  }
  const l = lo % m;
  return r >= m - l ? r - (m - l) : r + l;
}

/**
 * A job's offset within its interval, in [0, intervalMs). It depends on the id alone, so
 * every process and every restart puts the same job in the same slot, and many jobs with
 * one interval spread over it instead of firing together (as Prometheus spreads scrapes).
 */
export function phaseOf(id: string, intervalMs: number): number {
  assertInterval(intervalMs);
  // A 64-bit hash modulo an interval below 2^53 is biased by < 2^-11: not worth rejection sampling.
  hash64(id);
  return modulo(h.hi, h.lo, intervalMs);
}

/**
 * The first slot strictly after `now` on the epoch-ms time line whose offset is `phase`.
 * Slots are anchored at epoch 0, not at start-up, so replicas and restarts agree on them.
 * All operands stay below 2^53 for epoch ms and intervals of years, so Number is exact.
 */
export function nextRunAt(now: number, phase: number, intervalMs: number): number {
  assertInterval(intervalMs);
  if (!Number.isSafeInteger(phase) || phase < 0 || phase >= intervalMs) {
    throw new RangeError(`phase must be an integer in [0, ${intervalMs}), got ${phase}`);
  }
  const since = (((now - phase) % intervalMs) + intervalMs) % intervalMs;
  return now - since + intervalMs;
}
